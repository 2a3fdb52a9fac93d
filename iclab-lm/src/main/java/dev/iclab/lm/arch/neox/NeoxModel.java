package dev.iclab.lm.arch.neox;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.iclab.lm.arch.DecoderModel;
import dev.iclab.lm.arch.Dense;
import dev.iclab.lm.arch.ProjectionListener;
import dev.iclab.lm.arch.Rotary;
import dev.iclab.lm.arch.Vocabulary;
import dev.iclab.lm.config.ModelConfig;
import dev.iclab.lm.weights.Checkpoint;
import dev.iclab.tensor.Ops;

/**
 * GPT-NeoX: separate LayerNorms for attention and MLP, a fused q/k/v projection laid out per head
 * ([heads, 3, headDim], not [q | k | v]), partial rotary, and a parallel residual (x + attn(ln1 x)
 * + mlp(ln2 x)) or a sequential one.
 */
final class NeoxModel extends DecoderModel {
  private final NeoxConfig neox;
  private final NDArray embedding; // [vocab, hidden]
  private final Block[] blocks;
  private final NDArray finalNormWeight; // [hidden]
  private final NDArray finalNormBias; // [hidden]
  private final NDArray head; // [vocab, hidden]

  private record Block(
      NDArray inputNormWeight, // [hidden]
      NDArray inputNormBias, // [hidden]
      Dense qkv, // [hidden] -> [3 hidden], per head [q | k | v]
      Dense dense, // [hidden] -> [hidden]
      NDArray postNormWeight, // [hidden]
      NDArray postNormBias, // [hidden]
      Dense up, // [hidden] -> [intermediate]
      Dense down) {} // [intermediate] -> [hidden]

  NeoxModel(
      NeoxConfig neox, Checkpoint checkpoint, NDManager manager, ProjectionListener listener) {
    super(
        neox.common(), manager, new Rotary(neox.rotaryDims(), neox.inverseFrequencies()), listener);
    this.neox = neox;
    ModelConfig c = neox.common();
    long e = c.hiddenSize();
    long inner = c.intermediateSize();
    embedding = load(checkpoint, "gpt_neox.embed_in.weight", c.vocabSize(), e);
    blocks = new Block[c.numLayers()];
    boolean bias = neox.attentionBias();
    for (int i = 0; i < blocks.length; i++) {
      String b = "gpt_neox.layers." + i + ".";
      blocks[i] =
          new Block(
              load(checkpoint, b + "input_layernorm.weight", e),
              load(checkpoint, b + "input_layernorm.bias", e),
              linear(checkpoint, b + "attention.query_key_value", 3 * e, e, bias),
              linear(checkpoint, b + "attention.dense", e, e, bias),
              load(checkpoint, b + "post_attention_layernorm.weight", e),
              load(checkpoint, b + "post_attention_layernorm.bias", e),
              linear(checkpoint, b + "mlp.dense_h_to_4h", inner, e, true),
              linear(checkpoint, b + "mlp.dense_4h_to_h", e, inner, true));
    }
    finalNormWeight = load(checkpoint, "gpt_neox.final_layer_norm.weight", e);
    finalNormBias = load(checkpoint, "gpt_neox.final_layer_norm.bias", e);
    head = c.tiedEmbeddings() ? embedding : load(checkpoint, "embed_out.weight", c.vocabSize(), e);
  }

  @Override
  protected NDArray embedTokens(NDArray inputIds) {
    return lookup(embedding, inputIds); // [batch, seq, hidden]
  }

  @Override
  protected NDArray layer(int index, NDArray x, Step step) {
    Block block = blocks[index];
    long batch = x.getShape().get(0);
    long seq = x.getShape().get(1);
    int d = config().headDim();
    NDArray h = Ops.layerNorm(x, block.inputNormWeight, block.inputNormBias, neox.layerNormEps());
    NDArray fused =
        block
            .qkv
            .apply(h)
            .reshape(batch, seq, config().numHeads(), 3 * d)
            .transpose(0, 2, 1, 3); // [batch, heads, seq, 3 headDim]
    NDArray q = rotary().apply(fused.get(":, :, :, :" + d), step.rotaryTables()); // [b,h,t,d]
    NDArray k = rotary().apply(fused.get(":, :, :, " + d + ":" + 2 * d), step.rotaryTables());
    NDArray v = fused.get(":, :, :, " + 2 * d + ":"); // [batch, heads, seq, headDim]
    NDArray attentionOut = attend(index, step, q, k, v, 1 / Math.sqrt(d), block.dense);
    if (neox.parallelResidual()) {
      return x.add(attentionOut).add(mlp(block, x)); // [batch, seq, hidden]
    }
    x = x.add(attentionOut);
    return x.add(mlp(block, x)); // [batch, seq, hidden]
  }

  private NDArray mlp(Block block, NDArray x) {
    NDArray m = Ops.layerNorm(x, block.postNormWeight, block.postNormBias, neox.layerNormEps());
    return block.down.apply(Ops.activation(neox.activation(), block.up.apply(m)));
  }

  @Override
  protected NDArray logits(Step step, NDArray hidden) {
    NDArray normed = Ops.layerNorm(hidden, finalNormWeight, finalNormBias, neox.layerNormEps());
    return Vocabulary.project(step.scope(), step.overwrites(), normed, head); // [batch, seq, vocab]
  }
}
