package dev.iclab.emergence.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.recurrent.RNN;
import dev.iclab.tensor.AttentionObserver;

/**
 * An LSTM or a vanilla (tanh) RNN: a linear embedding to {@code width}, {@code layers} stacked
 * recurrent layers run by PyTorch's fused kernel, and a label head. The hidden size is the smallest
 * that gives at least the parameter count of the transformer with the same config, so the
 * comparison is at matched size.
 */
final class Recurrent extends AbstractSequenceModel {
  private final int hidden;
  private final InputEmbedding embedding;
  private final NDList cellParams; // per layer: w_ih [g * hidden, in], w_hh, b_ih, b_hh
  private final LabelHead head; // [labels, hidden]

  Recurrent(ModelConfig config, NDManager manager, long seed) {
    super(config, manager, seed);
    this.hidden = matchedHidden(config);
    int w = config.width();
    int gates = gates(config.arch());
    embedding = new InputEmbedding(params, config);
    cellParams = new NDList();
    double std = 1 / Math.sqrt(hidden);
    for (int l = 0; l < config.layers(); l++) {
      int in = l == 0 ? w : hidden;
      String p = "layer" + l + ".";
      cellParams.add(params.normal(p + "w_ih", std, (long) gates * hidden, in));
      cellParams.add(params.normal(p + "w_hh", std, (long) gates * hidden, hidden));
      cellParams.add(params.constant(p + "b_ih", 0f, (long) gates * hidden));
      cellParams.add(params.constant(p + "b_hh", 0f, (long) gates * hidden));
    }
    head =
        new LabelHead(
            params.normal("head.weight", std, config.labels(), hidden),
            params.constant("head.bias", 0f, config.labels()));
  }

  /** Hidden size of a recurrent model matching the transformer's parameter count. */
  static int matchedHidden(ModelConfig config) {
    long target = transformerParameters(config);
    int w = config.width();
    long embed = InputEmbedding.parameterCount(config);
    for (int h = 1; ; h++) {
      long g = gates(config.arch());
      long cells = g * h * (w + h) + 2 * g * h;
      cells += (config.layers() - 1) * (g * h * (2L * h) + 2 * g * h);
      long total = embed + cells + (long) h * config.labels() + config.labels();
      if (total >= target) {
        return h;
      }
    }
  }

  /** Parameter count of the transformer with this config (mirrors {@link Transformer}). */
  static long transformerParameters(ModelConfig c) {
    long w = c.width();
    long embed = InputEmbedding.parameterCount(c) + (long) c.tokens() * w;
    long block = 12 * w * w + 13 * w;
    return embed + c.layers() * block + 2 * w + w * c.labels() + c.labels();
  }

  private static int gates(Architecture arch) {
    return arch == Architecture.LSTM ? 4 : 1;
  }

  int hidden() {
    return hidden;
  }

  @Override
  public LabelHead head() {
    return head;
  }

  @Override
  public NDArray features(
      NDArray inputs, int positions, AttentionObserver observer, RowProjections projections) {
    if (projections != null) {
      throw new UnsupportedOperationException(config.arch().flag() + " has no attention");
    }
    NDManager step = inputs.getManager();
    long batch = inputs.getShape().get(0);
    NDArray x = embedding.apply(inputs); // [batch, tokens, width]
    Shape stateShape = new Shape(config.layers(), batch, hidden);
    NDArray h0 = step.zeros(stateShape); // [layers, batch, hidden]
    NDList out =
        config.arch() == Architecture.LSTM
            ? x.getNDArrayInternal()
                .lstm(
                    x,
                    new NDList(h0, step.zeros(stateShape)),
                    cellParams,
                    true,
                    config.layers(),
                    0,
                    true,
                    false,
                    true)
            : x.getNDArrayInternal()
                .rnn(
                    x,
                    h0,
                    cellParams,
                    true,
                    config.layers(),
                    RNN.Activation.TANH,
                    0,
                    true,
                    false,
                    true);
    return Predictions.select(out.get(0), positions); // [batch, (predictions,) hidden]
  }
}
