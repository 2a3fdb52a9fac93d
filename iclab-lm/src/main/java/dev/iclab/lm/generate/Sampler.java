package dev.iclab.lm.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Picks the next token from last-position logits: argmax, or seeded sampling. */
public final class Sampler {
  private final GenerationConfig config;
  private final SplittableRandom random;

  public Sampler(GenerationConfig config) {
    this.config = config;
    this.random = new SplittableRandom(config.seed());
  }

  /** The next token id for {@code logits} ([vocab]). */
  public int next(float[] logits) {
    return config.greedy() ? argmax(logits) : sample(logits);
  }

  /** Index of the largest value; the lowest index wins ties. */
  public static int argmax(float[] values) {
    int best = 0;
    for (int i = 1; i < values.length; i++) {
      if (values[i] > values[best]) {
        best = i;
      }
    }
    return best;
  }

  /** Plain softmax sampling over the whole vocabulary: no sort needed. */
  private int sampleAll(float[] logits) {
    double max = Double.NEGATIVE_INFINITY;
    for (float l : logits) {
      max = Math.max(max, l / config.temperature());
    }
    double[] weights = new double[logits.length];
    double total = 0;
    for (int i = 0; i < logits.length; i++) {
      weights[i] = Math.exp(logits[i] / config.temperature() - max);
      total += weights[i];
    }
    double u = random.nextDouble() * total;
    for (int i = 0; i < logits.length; i++) {
      u -= weights[i];
      if (u < 0) {
        return i;
      }
    }
    return argmax(logits);
  }

  private int sample(float[] logits) {
    if (config.topK() == 0 && config.topP() >= 1) {
      return sampleAll(logits);
    }
    int n = logits.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(
        order,
        (a, b) ->
            a.equals(b)
                ? 0
                : logits[b] != logits[a]
                    ? Float.compare(logits[b], logits[a])
                    : Integer.compare(a, b));
    int keep = config.topK() > 0 ? Math.min(config.topK(), n) : n;
    double max = logits[order[0]] / config.temperature();
    double[] probs = new double[keep];
    double total = 0;
    for (int i = 0; i < keep; i++) {
      probs[i] = Math.exp(logits[order[i]] / config.temperature() - max);
      total += probs[i];
    }
    if (config.topP() < 1) {
      double cumulative = 0;
      int cut = keep;
      for (int i = 0; i < keep; i++) {
        cumulative += probs[i] / total;
        if (cumulative >= config.topP()) {
          cut = i + 1; // the token that crosses p is kept
          break;
        }
      }
      keep = cut;
      total = 0;
      for (int i = 0; i < keep; i++) {
        total += probs[i];
      }
    }
    double u = random.nextDouble() * total;
    for (int i = 0; i < keep; i++) {
      u -= probs[i];
      if (u < 0) {
        return order[i];
      }
    }
    return order[keep - 1];
  }
}
