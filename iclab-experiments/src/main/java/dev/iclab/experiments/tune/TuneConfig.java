package dev.iclab.experiments.tune;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.IclabException;
import dev.iclab.lm.tokenizer.Tokenizer;
import dev.iclab.tune.MethodOptions;
import dev.iclab.tune.TrainingConfig;
import dev.iclab.tune.TunerRegistry;
import dev.iclab.tune.prompt.PromptConfig;
import java.util.Arrays;
import java.util.List;

/**
 * A resolved {@code iclab tune} run: what run.json records under {@code config} (snake_case keys,
 * the training data's inline) and what {@code --resume} compares.
 *
 * @param model the model as given (recorded as the adapter's base model)
 * @param task the task to train on, or null with {@code text}
 * @param text the JSONL file to train on, or null with {@code task}
 * @param maxLength tokens per example: texts are truncated to it, task examples beyond it left out
 * @param saveEvery a checkpoint every N steps, or null for none
 * @param trainingFlags the optimizer's flags as given ({@link #training} resolves them)
 * @param methodOptions the method's options; its prompt is tuning's vocabulary initialisation
 * @param promptInitText prompt tuning starts from this text's token embeddings instead, or null
 */
public record TuneConfig(
    String method,
    String model,
    @JsonUnwrapped TaskData task,
    @JsonUnwrapped TextData text,
    int maxLength,
    Integer saveEvery,
    TrainingFlags trainingFlags,
    MethodOptions methodOptions,
    String promptInitText) {
  private static final ObjectMapper SNAKE_CASE =
      new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

  /**
   * Training on a task's training split.
   *
   * @param trainLimit only the first N rows, or null for all
   * @param evalEvery dev accuracy every N steps, or null for none
   * @param evalLimit dev queries per evaluation
   */
  public record TaskData(
      String task,
      String taskFile,
      String dataDir,
      Integer trainLimit,
      Integer evalEvery,
      int evalLimit) {}

  /** Training on every token of each text of a JSONL file. */
  public record TextData(String file, String textField) {}

  /** Checks the flags in the order a user would fix them, the training flags last. */
  public TuneConfig {
    if (!TunerRegistry.standard().methods().contains(method)) {
      throw new IclabException(
          "unknown --method %s; choose one of %s"
              .formatted(method, TunerRegistry.standard().methods()));
    }
    boolean usesTask = task != null && (task.task() != null || task.taskFile() != null);
    int sources =
        (text != null ? 1 : 0)
            + (usesTask && task.task() != null ? 1 : 0)
            + (usesTask && task.taskFile() != null ? 1 : 0);
    if (sources != 1) {
      throw new IclabException(
          "give the training data with exactly one of --task NAME, --task-file FILE or --data FILE.jsonl");
    }
    Integer evalEvery = task == null ? null : task.evalEvery();
    if (evalEvery != null && !usesTask) {
      throw new IclabException(
          "--eval-every scores label accuracy on a task's evaluation split; use it with --task or --task-file");
    }
    if (evalEvery != null && evalEvery < 1 || task != null && task.evalLimit() < 1) {
      throw new IclabException("--eval-every and --eval-limit must be >= 1");
    }
    if (saveEvery != null && saveEvery < 1) {
      throw new IclabException("--save-every must be >= 1, got " + saveEvery);
    }
    Integer trainLimit = task == null ? null : task.trainLimit();
    if (trainLimit != null && trainLimit < 1) {
      throw new IclabException("--train-limit must be >= 1, got " + trainLimit);
    }
    task = usesTask ? task : null;
    trainingFlags.resolve(method);
  }

  /** The training configuration the flags resolve to for this method. */
  public TrainingConfig training() {
    return trainingFlags.resolve(method);
  }

  /** The method's options; prompt tuning's initial text is encoded with {@code tokenizer}. */
  public MethodOptions methodOptions(Tokenizer tokenizer) {
    if (promptInitText == null) {
      return methodOptions;
    }
    List<Integer> ids = Arrays.stream(tokenizer.encode(promptInitText, false)).boxed().toList();
    return methodOptions.withPrompt(
        new PromptConfig(
            methodOptions.prompt().virtualTokens(), PromptConfig.Init.TEXT, ids, promptInitText));
  }

  /** The config as run.json records it. */
  public ObjectNode toJson() {
    return SNAKE_CASE.valueToTree(this);
  }
}
