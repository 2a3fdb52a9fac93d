package dev.iclab.tune.ipt;

import dev.iclab.lm.config.ConfigException;

/**
 * The sizes of intrinsic prompt tuning's auto-encoder.
 *
 * @param promptLength soft tokens of a prompt (P)
 * @param tokenDim the model's hidden size (d); a prompt is P x d, flattened to P * d numbers
 * @param intrinsicDim d_I, the subspace's dimension
 * @param hidden the middle layer of the encoder and of the decoder (Qin et al.: 768)
 */
public record SubspaceShape(int promptLength, int tokenDim, int intrinsicDim, int hidden) {
  public SubspaceShape {
    if (intrinsicDim <= 0) {
      throw new ConfigException(
          "--intrinsic-dim must be >= 1, got %d; e.g. --intrinsic-dim 5".formatted(intrinsicDim));
    }
    if (promptLength <= 0 || tokenDim <= 0 || hidden <= 0) {
      throw new ConfigException(
          "prompt length, token size and --decoder-hidden must be >= 1; got %d, %d, %d"
              .formatted(promptLength, tokenDim, hidden));
    }
    if ((long) promptLength * tokenDim > Integer.MAX_VALUE / Math.max(hidden, 1)) {
      throw new ConfigException(
          "a decoder of %d x %d x %d weights does not fit; lower --prompt-length or --decoder-hidden"
              .formatted(hidden, promptLength, tokenDim));
    }
  }

  /** Numbers in one flattened prompt. */
  public int flat() {
    return promptLength * tokenDim;
  }
}
