package dev.iclab.experiments.ipt;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.IclabException;
import dev.iclab.lm.config.ConfigException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A resolved intrinsic prompt tuning study (Qin et al. 2021): what {@code run.json} records.
 *
 * @param model the model as the command named it
 * @param dataDir the datasets folder as given
 * @param trainTasks MSF's tasks (PT, MSF, then IST on new data of them)
 * @param testTasks tasks MSF never sees (PT and IST)
 * @param split how the lists were made: given, random or family
 * @param intrinsicDims d_I values; the first is the study's main one (summary "tasks")
 * @param trainFractions fractions of the training tasks MSF uses (the task-count ablation); 1 is
 *     the main one
 * @param promptLength soft tokens P
 * @param promptInit vocab (embeddings of seeded vocabulary tokens) or random (Normal(0, 0.02))
 * @param shotsPerClass K per class for train and for dev
 * @param testCap test examples per task at most
 * @param steps PT steps per task
 * @param lr PT's AdamW rate
 * @param batchSize examples per step (PT, MSF, IST)
 * @param msfSteps MSF's steps
 * @param msfLr MSF's AdamW rate
 * @param alpha the reconstruction weight of the MSF loss
 * @param labelSmoothing of MSF's LM term
 * @param decoderHidden the auto-encoder's middle layer
 * @param istSteps IST steps per task
 * @param istLr IST's AdamW rate
 * @param seed data sampling, initialisation and orders
 */
public record IptConfig(
    String model,
    String dataDir,
    List<String> trainTasks,
    List<String> testTasks,
    String split,
    List<Integer> intrinsicDims,
    List<Double> trainFractions,
    int promptLength,
    String promptInit,
    int shotsPerClass,
    int testCap,
    int steps,
    double lr,
    int batchSize,
    int msfSteps,
    double msfLr,
    double alpha,
    double labelSmoothing,
    int decoderHidden,
    int istSteps,
    double istLr,
    long seed) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public IptConfig {
    trainTasks = List.copyOf(trainTasks);
    testTasks = List.copyOf(testTasks);
    intrinsicDims = List.copyOf(intrinsicDims);
    trainFractions = List.copyOf(trainFractions);
    if (trainTasks.isEmpty() || testTasks.isEmpty()) {
      throw new IclabException(
          "an IPT study needs at least one training and one test task; got %d and %d (%s split)"
              .formatted(trainTasks.size(), testTasks.size(), split));
    }
    Set<String> train = new HashSet<>(trainTasks);
    for (String t : testTasks) {
      if (train.contains(t)) {
        throw new IclabException(
            "task %s is both a training and a test task; a test task must be new to MSF: remove it from one list"
                .formatted(t));
      }
    }
    if (intrinsicDims.isEmpty() || intrinsicDims.stream().anyMatch(d -> d <= 0)) {
      throw new ConfigException(
          "--intrinsic-dim must list values >= 1, got %s; e.g. --intrinsic-dim 5"
              .formatted(intrinsicDims));
    }
    if (trainFractions.isEmpty() || trainFractions.stream().anyMatch(f -> !(f > 0 && f <= 1))) {
      throw new ConfigException(
          "--train-fractions must list values in (0, 1], got %s".formatted(trainFractions));
    }
    if (promptLength < 1 || shotsPerClass < 1 || testCap < 1 || batchSize < 1) {
      throw new ConfigException(
          "--prompt-length, --shots-per-class, --test-cap and --batch-size must be >= 1");
    }
    if (steps < 1 || msfSteps < 1 || istSteps < 1 || decoderHidden < 1) {
      throw new ConfigException(
          "--steps, --msf-steps, --ist-steps and --decoder-hidden must be >= 1");
    }
    if (!promptInit.equals("vocab") && !promptInit.equals("random")) {
      throw new ConfigException(
          "--prompt-init must be vocab or random, got '%s'".formatted(promptInit));
    }
  }

  /** Every task, training tasks first. */
  public List<String> allTasks() {
    return java.util.stream.Stream.concat(trainTasks.stream(), testTasks.stream()).toList();
  }

  public ObjectNode toJson() {
    return JSON.valueToTree(this);
  }
}
