package dev.iclab.experiments.tune;

import dev.iclab.data.Example;
import dev.iclab.data.Task;
import dev.iclab.icl.Calibrator;
import dev.iclab.icl.IclEvaluator;
import dev.iclab.lm.score.ContinuationScore;
import dev.iclab.lm.tokenizer.Tokenizer;
import dev.iclab.tune.Tuner;
import java.util.List;

/**
 * Zero-shot accuracy of a model with a tuning method attached, scored as {@code iclab eval --shots
 * 0 --scoring sum --calibrate none} scores: the same prompt ids and candidate ids ({@link
 * IclEvaluator#tokenize}), each label word's summed log-probability, the first best label wins.
 * Every prompt is scored whole through the tuner's forward options ({@link
 * dev.iclab.lm.score.Scorer#scoreRows}), so prefix and prompt tuning are active too; {@code iclab
 * eval --adapter} scores such adapters through the same path.
 */
public final class ZeroShotAccuracy {
  private final Task task;
  private final IclEvaluator evaluator;

  public ZeroShotAccuracy(Tuner tuner, Task task, Tokenizer tokenizer) {
    this.task = task;
    this.evaluator = new IclEvaluator(tuner.model(), tokenizer, tuner::forwardOptions);
  }

  /** Fraction of {@code queries} whose gold label scores highest. */
  public double accuracy(List<Example> queries) {
    int correct = 0;
    for (Example query : queries) {
      correct += Calibrator.argmax(scores(query)) == query.label() ? 1 : 0;
    }
    return (double) correct / queries.size();
  }

  /** Summed natural-log probability of each label word after the query's zero-shot prompt. */
  public double[] scores(Example query) {
    List<ContinuationScore> candidates =
        evaluator.scoreNaive(TaskTraining.zeroShot(task, query)).candidates();
    return candidates.stream().mapToDouble(ContinuationScore::sum).toArray();
  }
}
