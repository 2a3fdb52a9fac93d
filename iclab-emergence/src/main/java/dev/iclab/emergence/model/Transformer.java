package dev.iclab.emergence.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.iclab.tensor.AttentionObserver;
import dev.iclab.tensor.MomentumAttention;
import dev.iclab.tensor.Ops;

/**
 * A small pre-norm causal transformer (GPT-2 layout) over token vectors: a linear embedding plus
 * learned positions, {@code layers} blocks of attention and a 4x GELU MLP, a final LayerNorm and a
 * label head. Attention runs through {@link Ops#attention}, so the runtime's {@link
 * AttentionObserver} hooks see these models too. With a momentum decay in the config, each head
 * adds Dai et al.'s momentum term sum_{i<t} eta^(t-i) v_i to its attention output, as the LM
 * runtime does.
 */
final class Transformer extends AbstractSequenceModel {
  private static final double LN_EPS = 1e-5;

  private final InputEmbedding embedding;
  private final NDArray position; // [tokens, width]
  private final Block[] blocks;
  private final NDArray finalNormWeight; // [width]
  private final NDArray finalNormBias; // [width]
  private final LabelHead head;

  private record Block(
      NDArray norm1Weight, // [width]
      NDArray norm1Bias, // [width]
      NDArray qkvWeight, // [3 * width, width]
      NDArray qkvBias, // [3 * width]
      NDArray outWeight, // [width, width]
      NDArray outBias, // [width]
      NDArray norm2Weight, // [width]
      NDArray norm2Bias, // [width]
      NDArray upWeight, // [4 * width, width]
      NDArray upBias, // [4 * width]
      NDArray downWeight, // [width, 4 * width]
      NDArray downBias) {} // [width]

  Transformer(ModelConfig config, NDManager manager, long seed) {
    super(config, manager, seed);
    int w = config.width();
    embedding = new InputEmbedding(params, config);
    position = params.normal("position", 0.1, config.tokens(), w);
    // Residual projections are scaled down with depth so the residual stream starts near unit size.
    double residualStd = 1 / Math.sqrt(w) / Math.sqrt(2.0 * config.layers());
    blocks = new Block[config.layers()];
    for (int l = 0; l < blocks.length; l++) {
      String p = "block" + l + ".";
      blocks[l] =
          new Block(
              params.constant(p + "norm1.weight", 1f, w),
              params.constant(p + "norm1.bias", 0f, w),
              params.normal(p + "qkv.weight", 1 / Math.sqrt(w), 3L * w, w),
              params.constant(p + "qkv.bias", 0f, 3L * w),
              params.normal(p + "out.weight", residualStd, w, w),
              params.constant(p + "out.bias", 0f, w),
              params.constant(p + "norm2.weight", 1f, w),
              params.constant(p + "norm2.bias", 0f, w),
              params.normal(p + "up.weight", 1 / Math.sqrt(w), 4L * w, w),
              params.constant(p + "up.bias", 0f, 4L * w),
              params.normal(p + "down.weight", residualStd / 2, w, 4L * w),
              params.constant(p + "down.bias", 0f, w));
    }
    finalNormWeight = params.constant("final_norm.weight", 1f, w);
    finalNormBias = params.constant("final_norm.bias", 0f, w);
    head =
        new LabelHead(
            params.normal("head.weight", 1 / Math.sqrt(w), config.labels(), w),
            params.constant("head.bias", 0f, config.labels()));
  }

  @Override
  public LabelHead head() {
    return head;
  }

  @Override
  public NDArray features(
      NDArray inputs, int positions, AttentionObserver observer, RowProjections projections) {
    if (projections != null && projections.weights().size() != blocks.length) {
      throw new IllegalArgumentException(
          "projections for %d layers, model of %d"
              .formatted(projections.weights().size(), blocks.length));
    }
    long batch = inputs.getShape().get(0);
    int tokens = Math.toIntExact(inputs.getShape().get(1));
    int width = config.width();
    int heads = config.heads();
    int headDim = width / heads;
    NDArray x = embedding.apply(inputs); // [batch, tokens, width]
    x = x.add(position.get("0:" + tokens)); // [batch, tokens, width]
    NDArray mask = Ops.attentionMask(inputs.getManager(), (int) batch, tokens, 0, null);
    NDArray momentum =
        config.momentumEta() > 0
            ? MomentumAttention.weights(inputs.getManager(), tokens, 0, null, config.momentumEta())
            : null; // [1, 1, tokens, tokens]
    for (int l = 0; l < blocks.length; l++) {
      Block b = blocks[l];
      NDArray h = Ops.layerNorm(x, b.norm1Weight, b.norm1Bias, LN_EPS); // [batch, tokens, width]
      NDArray qkv =
          (projections == null
                  ? Ops.linear(h, b.qkvWeight, b.qkvBias)
                  : projections.apply(l, h)) // [batch, tokens, 3 * width]
              .reshape(batch, tokens, 3, heads, headDim)
              .transpose(2, 0, 3, 1, 4); // [3, batch, heads, tokens, headDim]
      NDArray attended =
          Ops.attention(
              qkv.get(0),
              qkv.get(1),
              qkv.get(2),
              mask,
              1 / Math.sqrt(headDim),
              l,
              0,
              observer,
              false);
      if (momentum != null) {
        attended = attended.add(MomentumAttention.term(momentum, qkv.get(2), heads));
      }
      attended = attended.transpose(0, 2, 1, 3).reshape(batch, tokens, width); // [b, t, width]
      NDArray out = Ops.linear(attended, b.outWeight, b.outBias); // [batch, tokens, width]
      if (observer != null && observer.observes(l)) {
        observer.onAttentionOutput(l, 0, out);
      }
      x = x.add(out);
      h = Ops.layerNorm(x, b.norm2Weight, b.norm2Bias, LN_EPS); // [batch, tokens, width]
      // the engine's exact GELU: one operation forward and backward instead of five
      NDArray up = Ops.activation("gelu", Ops.linear(h, b.upWeight, b.upBias)); // [b, t, 4 width]
      x = x.add(Ops.linear(up, b.downWeight, b.downBias)); // [batch, tokens, width]
    }
    x = Predictions.select(x, positions); // [batch, width] or [batch, predictions, width]
    return Ops.layerNorm(x, finalNormWeight, finalNormBias, LN_EPS);
  }
}
