package dev.iclab.emergence.model;

import dev.iclab.IclabException;

/**
 * Shape of a sequence model.
 *
 * @param layers transformer blocks, or stacked recurrent layers
 * @param heads attention heads (transformer only; must divide width)
 * @param width residual width of the transformer; embedding width of the recurrent models, whose
 *     hidden size is chosen to match the transformer's parameter count
 * @param inputDim width of an input token vector: the item's dimension + 1 (the label slot, see
 *     {@link dev.iclab.emergence.data.TokenEncoder})
 * @param labels output classes (the label vocabulary)
 * @param tokens sequence length the positional embedding covers
 * @param imageSide side of square image items embedded by a ResNet, or 0 for vector items
 * @param momentumEta Dai et al.'s momentum attention decay in [0, 1) (transformer only); 0 is
 *     standard attention
 */
public record ModelConfig(
    Architecture arch,
    int layers,
    int heads,
    int width,
    int inputDim,
    int labels,
    int tokens,
    int imageSide,
    double momentumEta) {
  /** A model over vector items. */
  public ModelConfig(
      Architecture arch, int layers, int heads, int width, int inputDim, int labels, int tokens) {
    this(arch, layers, heads, width, inputDim, labels, tokens, 0, 0);
  }

  public ModelConfig {
    if (imageSide < 0 || (imageSide > 0 && inputDim != imageSide * imageSide + 1)) {
      throw new IllegalArgumentException(
          "image side %d does not fit input dim %d".formatted(imageSide, inputDim));
    }
    if (layers < 1) {
      throw new IclabException("--layers must be >= 1, got " + layers);
    }
    if (width < 2) {
      throw new IclabException("--width must be >= 2, got " + width);
    }
    if (heads < 1 || width % heads != 0) {
      throw new IclabException(
          "--heads must divide --width: heads=%d, width=%d; e.g. --width 64 --heads 4"
              .formatted(heads, width));
    }
    if (!(momentumEta >= 0 && momentumEta < 1)) {
      throw new IclabException(
          "--momentum-eta must be in [0, 1), got %s; 0.9 is Dai et al.'s default"
              .formatted(momentumEta));
    }
    if (momentumEta > 0 && arch != Architecture.TRANSFORMER) {
      throw new IclabException(
          "--attention momentum needs --arch transformer (an %s has no attention)"
              .formatted(arch.name().toLowerCase(java.util.Locale.ROOT)));
    }
    if (inputDim < 2 || labels < 2 || tokens < 2) {
      throw new IllegalArgumentException(
          "bad model input: inputDim=%d labels=%d tokens=%d".formatted(inputDim, labels, tokens));
    }
  }
}
