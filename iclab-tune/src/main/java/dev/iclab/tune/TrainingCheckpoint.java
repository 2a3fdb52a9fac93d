package dev.iclab.tune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.lm.weights.DType;
import dev.iclab.lm.weights.SafetensorsWriter;
import dev.iclab.tune.peft.PeftFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A trainer's state after some optimizer steps, enough to continue as if it had never stopped: the
 * trained arrays and the optimizer's state ({@value #TENSORS}), and the step, which fixes the
 * schedule's position, the data order and the random stream ({@value #META}; see {@link Trainer}).
 *
 * <p>Checkpoints live in a folder of {@code step-NNNNNNNN} directories. Each is written whole into
 * a hidden temporary sibling and then renamed, so a crash leaves either the complete checkpoint or
 * none; {@link #latest} ignores the temporaries. Older checkpoints are deleted only after a newer
 * one is in place.
 */
public final class TrainingCheckpoint {
  public static final String TENSORS = "trainer_state.safetensors";
  public static final String META = "trainer_state.json";
  private static final Pattern NAME = Pattern.compile("step-(\\d{8})");
  private static final String PARAMETER = "parameter.";
  private static final String OPTIMIZER = "optimizer.";

  private TrainingCheckpoint() {}

  /**
   * Writes the state after {@code step} optimizer steps as {@code folder/step-NNNNNNNN}, then keeps
   * only the newest {@code keep} checkpoints.
   *
   * @param extra writes further files (a run's metrics so far) into the checkpoint directory before
   *     it is moved into place
   * @return the checkpoint directory
   */
  public static Path save(Trainer trainer, int step, Path folder, int keep, Consumer<Path> extra) {
    if (keep < 1) {
      throw new IllegalArgumentException("keep at least one checkpoint, got " + keep);
    }
    Path target = folder.resolve("step-%08d".formatted(step));
    Path temporary = null;
    try {
      Files.createDirectories(folder);
      temporary = Files.createTempDirectory(folder, ".step-%08d.tmp-".formatted(step));
      Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
      for (TrainableParameter p : trainer.parameters()) {
        tensors.put(
            PARAMETER + p.name(),
            new SafetensorsWriter.Tensor(
                p.array().getShape().getShape(), p.array().toFloatArray()));
      }
      for (Map.Entry<String, float[]> e : trainer.optimizer().state().entrySet()) {
        tensors.put(
            OPTIMIZER + e.getKey(),
            new SafetensorsWriter.Tensor(new long[] {e.getValue().length}, e.getValue()));
      }
      SafetensorsWriter.write(temporary.resolve(TENSORS), tensors, DType.F32, Map.of());
      ObjectNode meta = PeftFormat.JSON.createObjectNode();
      meta.put("step", step);
      meta.put("total_steps", trainer.totalSteps());
      meta.put("examples", trainer.examples());
      meta.put("method", trainer.tuner().method());
      meta.put("optimizer", trainer.config().optimizer());
      meta.put("seed", trainer.config().seed());
      var names = meta.putArray("parameters");
      trainer.parameters().forEach(p -> names.add(p.name()));
      Files.writeString(temporary.resolve(META), meta.toPrettyString() + "\n");
      extra.accept(temporary);
      if (Files.exists(target)) {
        deleteTree(target); // a step saved again after a resume
      }
      Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
      temporary = null;
      List<Path> all = list(folder);
      for (Path old : all.subList(0, Math.max(0, all.size() - keep))) {
        deleteTree(old);
      }
      return target;
    } catch (IOException e) {
      throw new TuneException(
              "cannot write checkpoint %s: %s; check free space and permissions"
                  .formatted(target, e.getMessage()))
          .causedBy(e);
    } finally {
      if (temporary != null) {
        deleteTree(temporary);
      }
    }
  }

  /** The newest complete checkpoint in {@code folder}, if any. */
  public static Optional<Path> latest(Path folder) {
    if (!Files.isDirectory(folder)) {
      return Optional.empty();
    }
    List<Path> all = list(folder);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  /**
   * Puts the trained arrays and the optimizer back as {@link #save} found them.
   *
   * @return the number of optimizer steps already made (pass it to {@link Trainer#train(List, int,
   *     Consumer)})
   * @throws TuneException when the checkpoint was made by another method, data size or optimizer
   */
  public static int restore(Trainer trainer, Path checkpoint) {
    JsonNode meta;
    try {
      meta = PeftFormat.JSON.readTree(checkpoint.resolve(META).toFile());
    } catch (IOException e) {
      throw new TuneException("cannot read checkpoint %s: %s".formatted(checkpoint, e.getMessage()))
          .causedBy(e);
    }
    List<String> names = trainer.parameters().stream().map(TrainableParameter::name).toList();
    List<String> saved = new java.util.ArrayList<>();
    meta.path("parameters").forEach(n -> saved.add(n.asText()));
    if (!saved.equals(names)
        || meta.path("examples").asInt() != trainer.examples()
        || meta.path("total_steps").asInt() != trainer.totalSteps()
        || !meta.path("optimizer").asText().equals(trainer.config().optimizer())) {
      throw new TuneException(
          ("checkpoint %s was made by another run (method %s, %d examples, %d steps, %s); resume"
                  + " with the same model, method, data and training flags, or start a new --out")
              .formatted(
                  checkpoint,
                  meta.path("method").asText(),
                  meta.path("examples").asInt(),
                  meta.path("total_steps").asInt(),
                  meta.path("optimizer").asText()));
    }
    Map<String, SafetensorsWriter.Tensor> tensors =
        PeftFormat.readFile(checkpoint.resolve(TENSORS));
    for (TrainableParameter p : trainer.parameters()) {
      SafetensorsWriter.Tensor t = tensors.get(PARAMETER + p.name());
      if (t == null || !Arrays.equals(t.shape(), p.array().getShape().getShape())) {
        throw new TuneException(
            "checkpoint %s has no array %s of shape %s; it belongs to another model"
                .formatted(checkpoint, p.name(), p.array().getShape()));
      }
      p.array().set(t.values());
    }
    Map<String, float[]> state = new LinkedHashMap<>();
    tensors.forEach(
        (name, t) -> {
          if (name.startsWith(OPTIMIZER)) {
            state.put(name.substring(OPTIMIZER.length()), t.values());
          }
        });
    trainer.optimizer().restore(state);
    return meta.path("step").asInt();
  }

  private static List<Path> list(Path folder) {
    try (Stream<Path> entries = Files.list(folder)) {
      return entries
          .filter(p -> NAME.matcher(p.getFileName().toString()).matches())
          .filter(p -> Files.isRegularFile(p.resolve(META)))
          .sorted(Comparator.comparing(p -> p.getFileName().toString()))
          .toList();
    } catch (IOException e) {
      throw new TuneException("cannot list %s: %s".formatted(folder, e.getMessage())).causedBy(e);
    }
  }

  /** The step a checkpoint directory holds, from its name. */
  public static int stepOf(Path checkpoint) {
    Matcher m = NAME.matcher(checkpoint.getFileName().toString());
    if (!m.matches()) {
      throw new IllegalArgumentException(checkpoint + " is not a checkpoint directory");
    }
    return Integer.parseInt(m.group(1));
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort: what is left is hidden or superseded
    }
  }
}
