package dev.iclab.emergence.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.AtomicFiles;
import dev.iclab.IclabException;
import dev.iclab.emergence.model.ParameterStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The weights a run keeps at every evaluation step ({@code --keep-checkpoints}), for analyses
 * across training: {@code weights/step-NNNNNN.bin} (the parameters in {@link ParameterStore} order,
 * DJL's NDList encoding) and {@code weights/step-NNNNNN.json} (step, size, parameter names), the
 * JSON written last so that it marks a complete file. Unlike the resumable {@link Checkpoint}, no
 * optimizer state and one file per step.
 */
public final class KeptWeights {
  /** The folder inside a run folder. */
  public static final String DIR = "weights";

  private static final ObjectMapper JSON = new ObjectMapper();

  private KeptWeights() {}

  /** Saves the weights after {@code step} (0: before the first step). */
  public static void save(Path runFolder, long step, ParameterStore params) {
    Path dir = runFolder.resolve(DIR);
    NDList all = new NDList();
    all.addAll(params.arrays());
    byte[] bytes = all.encode();
    try {
      Files.createDirectories(dir);
      AtomicFiles.writeBytes(dir.resolve(name(step) + ".bin"), bytes);
      Map<String, Object> meta = new LinkedHashMap<>();
      meta.put("step", step);
      meta.put("bytes", bytes.length);
      meta.put("names", params.names());
      AtomicFiles.writeString(dir.resolve(name(step) + ".json"), JSON.writeValueAsString(meta));
    } catch (IOException e) {
      throw new IclabException("cannot write kept weights in %s: %s".formatted(dir, e), e);
    }
  }

  /** The steps whose weights are kept in a run folder, ascending (empty when none). */
  public static List<Long> steps(Path runFolder) {
    Path dir = runFolder.resolve(DIR);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      List<Long> steps = new ArrayList<>();
      files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.matches("step-\\d+\\.json"))
          .forEach(n -> steps.add(Long.parseLong(n.substring(5, n.length() - 5))));
      steps.sort(null);
      return List.copyOf(steps);
    } catch (IOException e) {
      throw new IclabException("cannot list %s: %s".formatted(dir, e), e);
    }
  }

  /**
   * Copies the kept weights of {@code step} into a model's parameters, in place.
   *
   * @throws IclabException when the step is not kept, its file is truncated, or it belongs to
   *     another model shape
   */
  public static void load(Path runFolder, long step, ParameterStore params, NDManager scratch) {
    Path dir = runFolder.resolve(DIR);
    Path json = dir.resolve(name(step) + ".json");
    Path bin = dir.resolve(name(step) + ".bin");
    if (!Files.exists(json)) {
      throw new IclabException(
          "no weights kept for step %d in %s; kept steps: %s (train with --keep-checkpoints)"
              .formatted(step, dir, steps(runFolder)));
    }
    try {
      byte[] bytes =
          SizedBinary.read(
                  json,
                  bin,
                  "kept weights %s have %d bytes, %s says %d: the file is damaged; retrain the run")
              .bytes();
      try (NDManager local = scratch.newSubManager()) {
        NDList loaded = NDList.decode(local, bytes);
        List<NDArray> targets = params.arrays();
        if (loaded.size() != targets.size()) {
          throw new IclabException(
              "kept weights %s hold %d arrays, the run's model has %d: they belong to another model"
                  .formatted(bin, loaded.size(), targets.size()));
        }
        for (int i = 0; i < targets.size(); i++) {
          NDArray target = targets.get(i);
          NDArray source = loaded.get(i);
          if (!source.getShape().equals(target.getShape())) {
            throw new IclabException(
                "kept weights %s: %s has shape %s, the run's model needs %s"
                    .formatted(bin, params.names().get(i), source.getShape(), target.getShape()));
          }
          // in place: the model's arrays are leaves that require gradients
          target.subi(target).addi(source);
        }
      }
    } catch (IOException e) {
      throw new IclabException("cannot read kept weights %s: %s".formatted(bin, e), e);
    }
  }

  private static String name(long step) {
    return "step-%06d".formatted(step);
  }
}
