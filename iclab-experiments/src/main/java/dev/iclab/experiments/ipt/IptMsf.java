package dev.iclab.experiments.ipt;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.AtomicFiles;
import dev.iclab.IclabException;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.tune.ipt.MsfConfig;
import dev.iclab.tune.ipt.MsfTrainer;
import dev.iclab.tune.ipt.PromptAutoEncoder;
import dev.iclab.tune.ipt.SubspaceShape;
import dev.iclab.tune.ipt.TaskPrompt;
import dev.iclab.tune.peft.PeftFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Stage 2 of an IPT study, multi-task subspace finding: for every d_I (and training-task fraction),
 * the auto-encoder over the training tasks' prompts in {@code msf/d<d_I>[-f<fraction>]/} ({@code
 * autoencoder.safetensors}, written last; a checkpoint while training).
 */
final class IptMsf {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final IptConfig config;
  private final CausalLM model;
  private final Map<String, IptTask> tasks;
  private final Path folder;
  private final IptStudy.Shard shard;
  private final Consumer<String> log;

  /** The MSF stage of {@code study}: its config, model, tasks, folder and log. */
  IptMsf(IptStudy study) {
    this.config = study.config;
    this.model = study.model;
    this.tasks = study.tasks;
    this.folder = study.dir;
    this.shard = study.shard;
    this.log = study.log;
  }

  /** The folder name of a d_I and training-task fraction. */
  static String variant(int dim, double fraction) {
    return fraction == 1.0 ? "d" + dim : "d" + dim + "-f" + fraction;
  }

  private List<String> trainSubset(double fraction) {
    List<String> shuffled = new ArrayList<>(config.trainTasks());
    Collections.shuffle(shuffled, new Random(config.seed()));
    int n = (int) Math.max(1, Math.ceil(fraction * shuffled.size()));
    return List.copyOf(shuffled.subList(0, n));
  }

  static SubspaceShape shape(IptConfig config, CausalLM model, int dim) {
    return new SubspaceShape(
        config.promptLength(), model.config().hiddenSize(), dim, config.decoderHidden());
  }

  void run() {
    for (String name : config.trainTasks()) {
      if (!IptFiles.done(folder.resolve("pt").resolve(IptFiles.safe(name)))) {
        throw new IclabException(
            "MSF needs the prompt of training task %s, which %s lacks; run `iclab ipt prompts` with the same options first"
                .formatted(name, folder));
      }
    }
    int k = 0;
    for (int dim : config.intrinsicDims()) {
      for (double fraction : config.trainFractions()) {
        if (shard.mine(k++)) {
          msf(dim, fraction);
        }
      }
    }
  }

  private void msf(int dim, double fraction) {
    Path dir = folder.resolve("msf").resolve(variant(dim, fraction));
    Path done = dir.resolve("autoencoder.safetensors");
    if (Files.isRegularFile(done)) {
      return;
    }
    IptFiles.mkdirs(dir);
    List<TaskPrompt> prompts = new ArrayList<>();
    for (String name : trainSubset(fraction)) {
      prompts.add(new TaskPrompt(name, prompt(name), tasks.get(name).trainingExamples()));
    }
    MsfConfig msf =
        new MsfConfig(
            config.msfSteps(),
            config.msfLr(),
            config.alpha(),
            config.labelSmoothing(),
            config.batchSize(),
            1.0,
            Math.max(1, config.msfSteps() / 10),
            config.seed());
    Path checkpoint = dir.resolve("checkpoint.safetensors");
    long start = System.nanoTime();
    try (PromptAutoEncoder ae =
        PromptAutoEncoder.create(model.manager(), shape(config, model, dim), config.seed())) {
      List<double[]> history = new MsfTrainer(model, ae, msf, prompts).train(checkpoint, p -> {});
      List<String> lines = new ArrayList<>();
      for (int i = 0; i < history.size(); i++) {
        double[] h = history.get(i);
        lines.add(
            "{\"step\": %d, \"lm\": %s, \"mse\": %s, \"loss\": %s}"
                .formatted(i + 1, h[0], h[1], h[2]));
      }
      AtomicFiles.writeString(dir.resolve("metrics.jsonl"), String.join("\n", lines) + "\n");
      ObjectNode result = JSON.createObjectNode();
      result.put("intrinsic_dim", dim);
      result.put("train_fraction", fraction);
      result.putPOJO("tasks", prompts.stream().map(TaskPrompt::name).toList());
      result.put("seconds", (System.nanoTime() - start) / 1e9);
      result.put("last_lm", history.get(history.size() - 1)[0]);
      result.put("last_mse", history.get(history.size() - 1)[1]);
      IptFiles.writeJson(dir.resolve(IptFiles.RESULT), result);
      ae.save(done);
      Files.deleteIfExists(checkpoint);
      log.accept(
          "msf %s: lm %.4f  mse %.6f"
              .formatted(
                  variant(dim, fraction),
                  result.get("last_lm").asDouble(),
                  result.get("last_mse").asDouble()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private float[] prompt(String name) {
    Path adapter = folder.resolve("pt").resolve(IptFiles.safe(name));
    return PeftFormat.readTensors(adapter).values().iterator().next().values();
  }
}
