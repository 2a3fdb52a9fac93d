package dev.iclab.tune;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.iclab.lm.arch.ForwardOptions;
import dev.iclab.tensor.Ops;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The causal-LM loss of a batch through a tuner, and what is computed from it without training: the
 * mean loss of a data set and the gradients of one batch.
 */
public final class BatchLoss {
  private BatchLoss() {}

  /**
   * Mean causal-LM loss over the chosen tokens of a right-padded batch.
   *
   * @return a scalar owned by {@code scope}
   */
  public static NDArray batchLoss(
      NDManager scope, Tuner tuner, List<TrainingExample> batch, double labelSmoothing) {
    ForwardOptions options = tuner.forwardOptions(scope, batch.size());
    if (options.onlySharedPrefix()) {
      return SharedPromptLoss.of(
          scope, tuner.model(), options.inputPrefix(), batch, labelSmoothing);
    }
    Tokens tokens = Tokens.of(scope, batch);
    NDArray logits = tuner.model().forward(scope, tokens.input(), options); // [b, T, V]
    return tokens.loss(logits, labelSmoothing);
  }

  /**
   * A right-padded batch as the loss needs it.
   *
   * @param input token ids [b, T]
   * @param target the next token of each position [b, T-1, 1]
   * @param weights 1 where a position's next token counts in the loss, else 0 [b, T-1]
   */
  record Tokens(NDArray input, NDArray target, NDArray weights) {
    static Tokens of(NDManager scope, List<TrainingExample> batch) {
      int rows = batch.size();
      int length = batch.stream().mapToInt(e -> e.ids().length).max().orElseThrow();
      long[] ids = new long[rows * length];
      long[] targets = new long[rows * (length - 1)];
      float[] mask = new float[rows * (length - 1)];
      for (int r = 0; r < rows; r++) {
        TrainingExample e = batch.get(r);
        for (int t = 0; t < e.ids().length; t++) {
          ids[r * length + t] = e.ids()[t];
          if (t >= 1) {
            targets[r * (length - 1) + t - 1] = e.ids()[t];
            mask[r * (length - 1) + t - 1] = t >= e.lossFrom() ? 1 : 0;
          }
        }
      }
      return new Tokens(
          scope.create(ids, new Shape(rows, length)), // [b, T]
          scope.create(targets, new Shape(rows, length - 1, 1)), // [b, T-1, 1]
          scope.create(mask, new Shape(rows, length - 1))); // [b, T-1]
    }

    /** The mean loss of {@code logits} [b, T, V] over the counted positions; a scalar. */
    NDArray loss(NDArray logits, double labelSmoothing) {
      NDArray logp = logits.get(":, :-1, :").logSoftmax(-1); // [b, T-1, V]
      NDArray tokenLoss = logp.gather(target, 2).squeeze(2).neg(); // [b, T-1]
      if (labelSmoothing > 0) {
        NDArray uniform = logp.mean(new int[] {2}).neg(); // [b, T-1]
        tokenLoss =
            Ops.scale(tokenLoss, (float) (1 - labelSmoothing))
                .add(Ops.scale(uniform, (float) labelSmoothing));
      }
      return tokenLoss.mul(weights).sum().div(weights.sum()); // []
    }
  }

  /** Token-weighted mean loss of {@code data} without training (no dropout, no gradients). */
  public static double evaluate(Tuner tuner, List<TrainingExample> data, int batchSize) {
    double total = 0;
    long count = 0;
    tuner.setTraining(false);
    for (int i = 0; i < data.size(); i += batchSize) {
      List<TrainingExample> batch = data.subList(i, Math.min(data.size(), i + batchSize));
      long n = batch.stream().mapToLong(TrainingExample::predictedTokens).sum();
      try (NDManager scope = tuner.model().manager().newSubManager()) {
        total += batchLoss(scope, tuner, batch, 0).getFloat() * n;
      }
      count += n;
    }
    return total / count;
  }

  /**
   * The (masked) gradients of the tuner's parameters for one batch, copied out; used by gradient
   * checks. Leaves no gradient behind.
   */
  public static Map<String, float[]> gradients(Tuner tuner, List<TrainingExample> batch) {
    List<TrainableParameter> parameters = tuner.parameters();
    parameters.forEach(p -> p.array().setRequiresGradient(true));
    try (NDManager scope = tuner.model().manager().newSubManager()) {
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        collector.backward(batchLoss(scope, tuner, batch, 0));
      }
      List<NDArray> grads = Trainer.readGradients(scope, parameters);
      Map<String, float[]> out = new LinkedHashMap<>();
      for (int i = 0; i < grads.size(); i++) {
        out.put(
            parameters.get(i).name(), grads.get(i).toType(DataType.FLOAT32, false).toFloatArray());
      }
      return out;
    } finally {
      parameters.forEach(p -> p.array().setRequiresGradient(false));
    }
  }
}
