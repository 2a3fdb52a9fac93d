package dev.iclab.lm.generate;

import dev.iclab.IclabException;
import java.util.List;

/**
 * How to pick tokens.
 *
 * @param maxNewTokens at most this many tokens are generated
 * @param greedy argmax at every step (temperature, topK, topP and seed are then unused)
 * @param temperature logits are divided by it before sampling (> 0)
 * @param topK keep only the k most likely tokens; 0 keeps all
 * @param topP keep the smallest set of most likely tokens whose probability reaches p; 1 keeps all
 * @param seed the same seed gives the same tokens
 * @param stopIds generation ends after any of these ids (EOS), which is kept in the output
 * @param stopStrings generation ends once the decoded text contains one of these
 */
public record GenerationConfig(
    int maxNewTokens,
    boolean greedy,
    double temperature,
    int topK,
    double topP,
    long seed,
    List<Integer> stopIds,
    List<String> stopStrings) {
  public GenerationConfig {
    if (maxNewTokens < 1) {
      throw new IclabException("--max-new-tokens must be >= 1, got " + maxNewTokens);
    }
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IclabException(
          "--temperature must be a finite number > 0, got "
              + temperature
              + "; use --greedy for argmax decoding");
    }
    if (topK < 0) {
      throw new IclabException("--top-k must be >= 0 (0 = off), got " + topK);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IclabException("--top-p must be in (0, 1], got " + topP);
    }
    if (stopStrings.contains("")) {
      throw new IclabException(
          "--stop \"\" would end generation after the first token (every text contains the empty string); give a non-empty stop string");
    }
    stopIds = List.copyOf(stopIds);
    stopStrings = List.copyOf(stopStrings);
  }

  /** Greedy decoding of up to {@code maxNewTokens}, stopping at the given ids. */
  public static GenerationConfig greedy(int maxNewTokens, List<Integer> stopIds) {
    return new GenerationConfig(maxNewTokens, true, 1, 0, 1, 0, stopIds, List.of());
  }
}
