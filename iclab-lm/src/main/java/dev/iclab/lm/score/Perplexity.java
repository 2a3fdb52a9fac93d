package dev.iclab.lm.score;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.iclab.lm.NonFiniteException;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ForwardOptions;
import java.util.function.IntConsumer;

/**
 * Sliding-window perplexity as in Hugging Face's perplexity guide: windows of {@code maxLength}
 * tokens advanced by {@code stride}; in each window only the tokens not scored by an earlier window
 * count (the overlap is context only), and a window's first token is never a target.
 */
public final class Perplexity {
  private Perplexity() {}

  /**
   * @param nll total negative log-likelihood (nats) over {@code tokens} predicted tokens
   */
  public record Result(double perplexity, long tokens, double nll, int windows) {}

  /**
   * @param progress receives the number of tokens consumed so far after each window (may be null)
   */
  public static Result compute(
      CausalLM model, int[] ids, int maxLength, int stride, IntConsumer progress) {
    if (maxLength < 2 || stride < 1 || stride > maxLength) {
      throw new IllegalArgumentException(
          "need 2 <= max length and 1 <= stride <= max length, got " + maxLength + ", " + stride);
    }
    if (ids.length < 2) {
      throw new IllegalArgumentException("need at least 2 tokens, got " + ids.length);
    }
    double nll = 0;
    long counted = 0;
    int windows = 0;
    int previousEnd = 0;
    for (int begin = 0; begin < ids.length; begin += stride) {
      int end = Math.min(begin + maxLength, ids.length);
      int targetLength = end - previousEnd; // tokens this window scores
      int firstTarget = Math.max(end - targetLength, begin + 1); // window position >= 1
      try (NDManager scope = model.manager().newSubManager()) {
        int[] window = java.util.Arrays.copyOfRange(ids, begin, end);
        NDArray input = scope.create(window, new Shape(1, window.length));
        NDArray logProbs = model.forward(scope, input, ForwardOptions.NONE).logSoftmax(-1);
        int from = firstTarget - begin; // first target's index in the window
        int[] targets = java.util.Arrays.copyOfRange(window, from, window.length);
        NDArray predicting = logProbs.get(":, " + (from - 1) + ":" + (window.length - 1) + ", :");
        NDArray picked =
            predicting.gather(
                scope
                    .create(targets, new Shape(1, targets.length, 1))
                    .toType(DataType.INT64, false),
                2); // [1, targets, 1]
        double windowLogProb = picked.sum().toType(DataType.FLOAT64, false).getDouble();
        if (Double.isNaN(windowLogProb)) {
          throw NonFiniteException.at(
              windowLogProb, "window %d (tokens %d to %d)".formatted(windows + 1, begin, end));
        }
        nll -= windowLogProb;
        counted += targets.length;
      }
      windows++;
      previousEnd = end;
      if (progress != null) {
        progress.accept(end);
      }
      if (end == ids.length) {
        break;
      }
    }
    return new Result(Math.exp(nll / counted), counted, nll, windows);
  }
}
