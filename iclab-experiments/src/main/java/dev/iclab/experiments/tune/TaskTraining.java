package dev.iclab.experiments.tune;

import dev.iclab.IclabException;
import dev.iclab.data.Example;
import dev.iclab.data.Task;
import dev.iclab.icl.Calibration;
import dev.iclab.icl.IclEvaluator;
import dev.iclab.icl.Order;
import dev.iclab.icl.Prompt;
import dev.iclab.icl.run.EvalConfig;
import dev.iclab.icl.run.ExperimentPlan;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.tokenizer.Tokenizer;
import dev.iclab.tune.TrainingExample;
import java.util.ArrayList;
import java.util.List;

/**
 * A classification task as fine-tuning data, in exactly the format {@code iclab eval --shots 0}
 * scores: each training example is the task's zero-shot prompt (instruction, template, tokenized as
 * {@link IclEvaluator#tokenize} does) followed by the tokens of the gold label word, and the loss
 * counts the label word's tokens only. The dev queries are those {@code iclab eval --limit N} would
 * evaluate (the evaluation split shuffled with seed 1, capped at 2,000, first N).
 *
 * <p>This bridge lives in the command line module, the one module that sees both the ICL engine
 * (prompts, tokenization) and the tuning methods; iclab-tune and iclab-icl stay independent.
 *
 * @param examples one per training-split row (the first {@code trainLimit} rows, when given) that
 *     fits {@code maxLength}, in file order
 * @param leftOut rows whose prompt and answer exceed {@code maxLength} (not truncated: a cut would
 *     change the format or drop the answer the loss is on)
 * @param dev the dev queries (empty when no evaluation was asked for)
 */
public record TaskTraining(
    ExperimentPlan plan,
    List<TrainingExample> examples,
    int leftOut,
    long tokens,
    List<Example> dev) {

  /** The plan {@code iclab eval --shots 0 --limit devLimit} would make for this task. */
  public static ExperimentPlan plan(
      String task, String taskFile, String dataDir, Integer devLimit, boolean skipBadRows) {
    return ExperimentPlan.of(
        new EvalConfig(
            "-",
            task,
            taskFile,
            dataDir,
            List.of(0),
            List.of(1L),
            List.of("random"),
            List.of(Order.GIVEN),
            List.of("gold"),
            List.of("sum"),
            List.of(Calibration.NONE),
            devLimit,
            2000,
            1,
            skipBadRows,
            1));
  }

  /**
   * @param trainLimit use only the first N rows of the training split; null for all
   */
  public static TaskTraining of(
      ExperimentPlan plan,
      CausalLM model,
      Tokenizer tokenizer,
      int maxLength,
      Integer trainLimit,
      boolean withDev) {
    Task task = plan.task();
    IclEvaluator evaluator = new IclEvaluator(model, tokenizer);
    List<TrainingExample> examples = new ArrayList<>();
    int leftOut = 0;
    long tokens = 0;
    List<Example> rows = plan.train().examples();
    if (trainLimit != null && trainLimit < rows.size()) {
      rows = rows.subList(0, trainLimit);
    }
    for (Example row : rows) {
      IclEvaluator.Tokens t = evaluator.tokenize(zeroShot(task, row));
      int[] context = t.context();
      int[] answer = t.candidates().get(row.label());
      if (context.length + answer.length > maxLength) {
        leftOut++;
        continue;
      }
      int[] ids = new int[context.length + answer.length];
      System.arraycopy(context, 0, ids, 0, context.length);
      System.arraycopy(answer, 0, ids, context.length, answer.length);
      examples.add(new TrainingExample(ids, context.length));
      tokens += ids.length;
    }
    if (examples.isEmpty()) {
      throw new IclabException(
          "task %s has no training example of at most --max-length %d tokens (%d rows in %s); raise --max-length"
              .formatted(task.name(), maxLength, plan.train().size(), plan.train().source()));
    }
    return new TaskTraining(
        plan, List.copyOf(examples), leftOut, tokens, withDev ? plan.queries() : List.of());
  }

  /** The zero-shot prompt of {@code example}: what {@code iclab eval --shots 0} builds. */
  public static Prompt zeroShot(Task task, Example example) {
    return new Prompt(task.instruction(), List.of(), example, task.template(), task.labelWords());
  }
}
