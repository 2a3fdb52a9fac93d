package dev.iclab.lm.arch.llama;

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
 * Llama: RMSNorm pre-norm blocks, rotary q/k (rotate-half), grouped-query attention, SwiGLU MLP,
 * final RMSNorm, output head tied to the embedding or not.
 */
final class LlamaModel extends DecoderModel {
  private final LlamaConfig llama;
  private final NDArray embedding; // [vocab, hidden]
  private final Block[] blocks;
  private final NDArray finalNorm; // [hidden]
  private final NDArray head; // [vocab, hidden]

  private record Block(
      NDArray inputNorm, // [hidden]
      Dense q, // [hidden] -> [heads * headDim]
      Dense k, // [hidden] -> [kvHeads * headDim]
      Dense v, // [hidden] -> [kvHeads * headDim]
      Dense o, // [heads * headDim] -> [hidden]
      NDArray postNorm, // [hidden]
      Dense gate, // [hidden] -> [intermediate]
      Dense up, // [hidden] -> [intermediate]
      Dense down) {} // [intermediate] -> [hidden]

  LlamaModel(
      LlamaConfig llama, Checkpoint checkpoint, NDManager manager, ProjectionListener listener) {
    super(
        llama.common(),
        manager,
        new Rotary(llama.common().headDim(), llama.inverseFrequencies()),
        listener);
    this.llama = llama;
    ModelConfig c = llama.common();
    long e = c.hiddenSize();
    long qDim = (long) c.numHeads() * c.headDim();
    long kvDim = (long) c.numKeyValueHeads() * c.headDim();
    long inner = c.intermediateSize();
    boolean tied = c.tiedEmbeddings();
    embedding =
        tied && !checkpoint.contains("model.embed_tokens.weight")
            ? load(checkpoint, "lm_head.weight", c.vocabSize(), e)
            : load(checkpoint, "model.embed_tokens.weight", c.vocabSize(), e);
    blocks = new Block[c.numLayers()];
    for (int i = 0; i < blocks.length; i++) {
      String b = "model.layers." + i + ".";
      blocks[i] =
          new Block(
              load(checkpoint, b + "input_layernorm.weight", e),
              linear(checkpoint, b + "self_attn.q_proj", qDim, e, llama.attentionBias()),
              linear(checkpoint, b + "self_attn.k_proj", kvDim, e, llama.attentionBias()),
              linear(checkpoint, b + "self_attn.v_proj", kvDim, e, llama.attentionBias()),
              linear(checkpoint, b + "self_attn.o_proj", e, qDim, llama.outputBias()),
              load(checkpoint, b + "post_attention_layernorm.weight", e),
              linear(checkpoint, b + "mlp.gate_proj", inner, e, llama.mlpBias()),
              linear(checkpoint, b + "mlp.up_proj", inner, e, llama.mlpBias()),
              linear(checkpoint, b + "mlp.down_proj", e, inner, llama.mlpBias()));
    }
    finalNorm = load(checkpoint, "model.norm.weight", e);
    head = tied ? embedding : load(checkpoint, "lm_head.weight", c.vocabSize(), e);
  }

  @Override
  protected int slidingWindow() {
    return llama.slidingWindow();
  }

  @Override
  protected NDArray embedTokens(NDArray inputIds) {
    return lookup(embedding, inputIds); // [batch, seq, hidden]
  }

  @Override
  protected NDArray layer(int index, NDArray x, Step step) {
    Block block = blocks[index];
    ModelConfig c = config();
    Rotary.Tables tables = step.rotaryTables();
    NDArray h = Ops.rmsNorm(x, block.inputNorm, llama.rmsNormEps()); // [batch, seq, hidden]
    NDArray q = splitHeads(block.q.apply(h), c.numHeads(), c.headDim());
    NDArray k = splitHeads(block.k.apply(h), c.numKeyValueHeads(), c.headDim());
    NDArray v = splitHeads(block.v.apply(h), c.numKeyValueHeads(), c.headDim());
    q = rotary().apply(q, tables); // [batch, heads, seq, headDim]
    k = rotary().apply(k, tables); // [batch, kvHeads, seq, headDim]
    x = x.add(attend(index, step, q, k, v, 1 / Math.sqrt(c.headDim()), block.o));
    NDArray m = Ops.rmsNorm(x, block.postNorm, llama.rmsNormEps());
    NDArray gated =
        Ops.activation(llama.activation(), block.gate.apply(m))
            .mul(block.up.apply(m)); // [batch, seq, intermediate]
    return x.add(block.down.apply(gated)); // [batch, seq, hidden]
  }

  @Override
  protected NDArray logits(Step step, NDArray hidden) {
    return Vocabulary.project(
        step.scope(), step.overwrites(), Ops.rmsNorm(hidden, finalNorm, llama.rmsNormEps()), head);
  }
}
