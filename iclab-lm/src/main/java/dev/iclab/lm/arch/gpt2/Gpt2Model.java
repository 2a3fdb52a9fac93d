package dev.iclab.lm.arch.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.iclab.lm.arch.DecoderModel;
import dev.iclab.lm.arch.Dense;
import dev.iclab.lm.arch.ProjectionListener;
import dev.iclab.lm.arch.Vocabulary;
import dev.iclab.lm.config.ModelConfig;
import dev.iclab.lm.weights.Checkpoint;
import dev.iclab.tensor.Ops;

/**
 * GPT-2: learned position embeddings, pre-LayerNorm blocks, fused Conv1D q/k/v ([in, out] weights,
 * output laid out [q | k | v]), tied output head unless lm_head.weight is stored.
 */
final class Gpt2Model extends DecoderModel {
  private final Gpt2Config gpt2;
  private final NDArray tokenEmbedding; // [vocab, hidden]
  private final NDArray positionEmbedding; // [positions, hidden]
  private final Block[] blocks;
  private final NDArray finalNormWeight; // [hidden]
  private final NDArray finalNormBias; // [hidden]
  private final NDArray head; // [vocab, hidden]

  private record Block(
      NDArray norm1Weight, // [hidden]
      NDArray norm1Bias, // [hidden]
      Dense qkv, // [hidden] -> [3 hidden]
      Dense attentionOut, // [hidden] -> [hidden]
      NDArray norm2Weight, // [hidden]
      NDArray norm2Bias, // [hidden]
      Dense up, // [hidden] -> [inner]
      Dense down) {} // [inner] -> [hidden]

  Gpt2Model(
      Gpt2Config gpt2, Checkpoint checkpoint, NDManager manager, ProjectionListener listener) {
    super(gpt2.common(), manager, null, listener);
    this.gpt2 = gpt2;
    ModelConfig c = gpt2.common();
    long e = c.hiddenSize();
    long inner = c.intermediateSize();
    String p = checkpoint.contains("transformer.wte.weight") ? "transformer." : "";
    tokenEmbedding = load(checkpoint, p + "wte.weight", c.vocabSize(), e);
    positionEmbedding = load(checkpoint, p + "wpe.weight", gpt2.positions(), e);
    blocks = new Block[c.numLayers()];
    for (int i = 0; i < blocks.length; i++) {
      String b = p + "h." + i + ".";
      blocks[i] =
          new Block(
              load(checkpoint, b + "ln_1.weight", e),
              load(checkpoint, b + "ln_1.bias", e),
              conv1d(checkpoint, b + "attn.c_attn", e, 3 * e),
              conv1d(checkpoint, b + "attn.c_proj", e, e),
              load(checkpoint, b + "ln_2.weight", e),
              load(checkpoint, b + "ln_2.bias", e),
              conv1d(checkpoint, b + "mlp.c_fc", e, inner),
              conv1d(checkpoint, b + "mlp.c_proj", inner, e));
    }
    finalNormWeight = load(checkpoint, p + "ln_f.weight", e);
    finalNormBias = load(checkpoint, p + "ln_f.bias", e);
    head =
        checkpoint.contains("lm_head.weight")
                && !checkpoint.entry("lm_head.weight").equals(checkpoint.entry(p + "wte.weight"))
            ? load(checkpoint, "lm_head.weight", c.vocabSize(), e)
            : tokenEmbedding;
  }

  @Override
  protected NDArray embedTokens(NDArray inputIds) {
    return lookup(tokenEmbedding, inputIds); // [batch, seq, hidden]
  }

  @Override
  protected NDArray addPositions(Step step, NDArray hidden) {
    return hidden.add(lookup(positionEmbedding, step.positions())); // [batch, seq, hidden]
  }

  @Override
  protected NDArray layer(int index, NDArray x, Step step) {
    Block block = blocks[index];
    int heads = config().numHeads();
    int headDim = config().headDim();
    // Overwrites only arrays this layer made (no adapter's output), never x.
    boolean overwrite = step.overwrites();
    NDArray h = Ops.layerNorm(x, block.norm1Weight, block.norm1Bias, gpt2.layerNormEps());
    NDList qkv = block.qkv.apply(h, overwrite).split(3, 2); // 3 x [batch, seq, hidden]
    NDArray q = splitHeads(qkv.get(0), heads, headDim); // [batch, heads, seq, headDim]
    NDArray k = splitHeads(qkv.get(1), heads, headDim); // [batch, heads, seq, headDim]
    NDArray v = splitHeads(qkv.get(2), heads, headDim); // [batch, heads, seq, headDim]
    double scale = gpt2.scaleWeights() ? 1 / Math.sqrt(headDim) : 1;
    if (gpt2.scaleByInverseLayer()) {
      scale /= index + 1;
    }
    NDArray attended = attend(index, step, q, k, v, scale, block.attentionOut);
    x = owned(overwrite, block.attentionOut) ? attended.addi(x) : x.add(attended); // [b, seq, h]
    NDArray m = Ops.layerNorm(x, block.norm2Weight, block.norm2Bias, gpt2.layerNormEps());
    m = block.up.apply(m, overwrite); // [batch, seq, inner]
    m =
        owned(overwrite, block.up)
            ? Ops.activationOverwriting(gpt2.activation(), m)
            : Ops.activation(gpt2.activation(), m);
    NDArray down = block.down.apply(m, overwrite); // [batch, seq, hidden]
    return owned(overwrite, block.down) ? down.addi(x) : x.add(down);
  }

  /** Whether a projection's output is a new array of this pass that may be overwritten. */
  private static boolean owned(boolean overwrite, Dense projection) {
    return overwrite && projection.adapter() == null;
  }

  @Override
  protected NDArray logits(Step step, NDArray hidden) {
    NDArray normed = Ops.layerNorm(hidden, finalNormWeight, finalNormBias, gpt2.layerNormEps());
    return Vocabulary.project(step.scope(), step.overwrites(), normed, head); // [batch, seq, vocab]
  }
}
