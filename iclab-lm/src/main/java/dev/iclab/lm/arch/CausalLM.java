package dev.iclab.lm.arch;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.iclab.lm.cache.KvCache;
import dev.iclab.lm.config.ModelConfig;
import java.util.Map;

/**
 * A loaded causal language model. It owns its weights (closing it frees them); every forward pass
 * works in a caller-given scope manager, so nothing it computes outlives that scope.
 */
public interface CausalLM extends AutoCloseable {
  ModelConfig config();

  /** The manager that owns the weights; attach arrays here only on purpose. */
  NDManager manager();

  Device device();

  /**
   * Runs the model.
   *
   * @param scope manager that owns everything this pass creates (close it to free them)
   * @param inputIds token ids, [batch, seq] of int64
   * @return logits [batch, seq, vocab], or [batch, 1, vocab] with {@link ForwardOptions#lastOnly}
   * @throws dev.iclab.lm.ContextOverflowException if past + seq exceeds the context window
   */
  NDArray forward(NDManager scope, NDArray inputIds, ForwardOptions options);

  /**
   * The pass {@link #forward} would run, taken apart at its layer boundaries (see {@link
   * LayeredPass}); the embeddings are computed now.
   *
   * @param scope manager that owns what the pass shares across layers (positions, masks, rotary
   *     tables) and its embeddings
   * @throws IllegalArgumentException with a cache, a token tree or an observer in {@code options}
   *     (a layer that runs twice would extend the cache or report twice)
   */
  LayeredPass layered(NDManager scope, NDArray inputIds, ForwardOptions options);

  /**
   * Runs embeddings in place of token embeddings (a soft prompt, Hugging Face's {@code
   * inputs_embeds}) into {@code cache}, computing no logits: afterwards the cache holds their keys
   * and values as if they were tokens at the next positions, so later passes (a token tree of many
   * queries, say) read them once instead of recomputing them per query. Gradients flow from what
   * later passes compute back into {@code embeddings}.
   *
   * @param embeddings [batch, seq, hidden]
   */
  void prefill(NDManager scope, NDArray embeddings, KvCache cache);

  /** An empty KV cache for this model, owned by {@code parent}. */
  default KvCache newCache(NDManager parent) {
    return new KvCache(parent, config().numLayers());
  }

  /** The weights by Hugging Face name (the arrays the model computes with; tied ones once). */
  Map<String, NDArray> parameters();

  /**
   * The linear projections by Hugging Face module path (e.g. {@code
   * model.layers.0.self_attn.q_proj}), in model order; tuning methods attach adapters to them.
   */
  Map<String, Dense> projections();

  /** Total number of weight elements. */
  default long parameterCount() {
    return parameters().values().stream().mapToLong(a -> a.getShape().size()).sum();
  }

  @Override
  void close();
}
