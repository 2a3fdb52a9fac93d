package dev.iclab.lm.arch;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import dev.iclab.lm.ContextOverflowException;
import dev.iclab.lm.cache.KvCache;
import dev.iclab.lm.config.AttentionVariant;
import dev.iclab.lm.config.ModelConfig;
import dev.iclab.lm.weights.Checkpoint;
import dev.iclab.tensor.AttentionObserver;
import dev.iclab.tensor.MomentumAttention;
import dev.iclab.tensor.Ops;
import dev.iclab.tensor.Tensors;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The part every decoder-only transformer shares: weight ownership, the context check, positions,
 * masks, the loop over layers and the KV cache bookkeeping. An architecture supplies the embedding,
 * one layer, and the output head.
 */
public abstract class DecoderModel implements CausalLM {
  private final ModelConfig config;
  private final NDManager manager;
  private final Map<String, NDArray> parameters = new LinkedHashMap<>();
  private final Map<String, Dense> projections = new LinkedHashMap<>();
  private final Rotary rotary;
  private final ProjectionListener listener;

  /**
   * {@code rotary}: the rotary embedding whose tables each pass computes once, or null; {@code
   * listener} hears of each projection as it is loaded.
   */
  protected DecoderModel(
      ModelConfig config, NDManager manager, Rotary rotary, ProjectionListener listener) {
    this.config = config;
    this.manager = manager;
    this.rotary = rotary;
    this.listener = listener;
  }

  /** What one forward pass shares across its layers. */
  protected record Step(
      NDManager scope,
      NDArray positions, // [batch, seq] int64
      NDArray mask, // [batch or 1, 1, seq, past + seq] additive, or null
      KvCache cache,
      AttentionObserver observer,
      int past,
      Rotary.Tables rotaryTables, // null without rotary embedding
      NDArray momentumWeights, // [batch or 1, 1, seq, past + seq], null for standard attention
      boolean extendsCache, // false for a token tree: the cache is read only
      TreeAttention treeAttention, // a token tree's chunked attention, or null for the dense one
      boolean overwrites) { // a layer may overwrite its own intermediate results (see below)

    /** Appends to the cache when there is one; returns {keys, values} to attend to. */
    public NDArray[] remember(int layer, NDArray k, NDArray v) {
      if (cache == null) {
        return new NDArray[] {k, v};
      }
      var all =
          extendsCache ? cache.append(scope, layer, k, v) : cache.followedBy(scope, layer, k, v);
      return new NDArray[] {all.get(0), all.get(1)};
    }

    public void observeOutput(int layer, NDArray output) {
      if (observer != null && observer.observes(layer)) {
        observer.onAttentionOutput(layer, past, output);
      }
    }
  }

  /** Token embeddings: [batch, seq] -> [batch, seq, hidden]. */
  protected abstract NDArray embedTokens(NDArray inputIds);

  /** Adds learned position embeddings (GPT-2); rotary models return the input unchanged. */
  protected NDArray addPositions(Step step, NDArray hidden) {
    return hidden;
  }

  /** One decoder layer: [batch, seq, hidden] -> [batch, seq, hidden]. */
  protected abstract NDArray layer(int index, NDArray hidden, Step step);

  /** Final norm and vocabulary projection: [batch, seq, hidden] -> [batch, seq, vocab]. */
  protected abstract NDArray logits(Step step, NDArray hidden);

  /** The rotary embedding whose tables each pass computes once, or null. */
  protected final Rotary rotary() {
    return rotary;
  }

  /** Keys more than this many positions behind a query are masked (Mistral); MAX_VALUE for none. */
  protected int slidingWindow() {
    return Integer.MAX_VALUE;
  }

  @Override
  public final NDArray forward(NDManager scope, NDArray inputIds, ForwardOptions options) {
    Shape shape = inputIds.getShape();
    if (shape.dimension() != 2 || shape.get(1) < 1) {
      throw new IllegalArgumentException("input ids must be [batch, seq>0], got " + shape);
    }
    return run(scope, embedTokens(inputIds.toType(DataType.INT64, false)), options, true);
  }

  @Override
  public final void prefill(NDManager scope, NDArray embeddings, KvCache cache) {
    if (embeddings.getShape().dimension() != 3 || embeddings.getShape().get(1) < 1) {
      throw new IllegalArgumentException(
          "embeddings must be [batch, seq>0, hidden], got " + embeddings.getShape());
    }
    run(scope, embeddings, ForwardOptions.withCache(cache), false);
  }

  /**
   * The pass over token (or given) embeddings [batch, seq, hidden]; the logits only when {@code
   * project}, else null.
   */
  private NDArray run(NDManager scope, NDArray hidden, ForwardOptions options, boolean project) {
    DecoderPass pass = begin(scope, hidden, options);
    hidden = pass.embeddings();
    for (int layer = 0; layer < config.numLayers(); layer++) {
      hidden = layer(layer, hidden, pass.step()); // [batch, seq, hidden]
    }
    if (options.cache() != null && options.tree() == null) {
      options.cache().advance(pass.seq());
    }
    return project ? pass.logits(hidden) : null;
  }

  @Override
  public final LayeredPass layered(NDManager scope, NDArray inputIds, ForwardOptions options) {
    if (options.cache() != null || options.tree() != null || options.observer() != null) {
      throw new IllegalArgumentException(
          "a layered pass takes no cache, token tree or observer: its layers may run twice");
    }
    Shape shape = inputIds.getShape();
    if (shape.dimension() != 2 || shape.get(1) < 1) {
      throw new IllegalArgumentException("input ids must be [batch, seq>0], got " + shape);
    }
    return begin(scope, embedTokens(inputIds.toType(DataType.INT64, false)), options);
  }

  /**
   * What a pass computes before its first layer: the layer-0 input (token embeddings after the
   * input prefix and position embeddings) and the {@link Step} the layers share.
   */
  private DecoderPass begin(NDManager scope, NDArray hidden, ForwardOptions options) {
    int batch = (int) hidden.getShape().get(0);
    KvCache cache = options.cache();
    int past = cache == null ? 0 : cache.length();
    NDArray padding = options.attentionMask();
    int prefix = 0;
    if (options.inputPrefix() != null && past == 0 && options.inputPrefix().getShape().get(1) > 0) {
      NDArray soft = options.inputPrefix(); // [1 or batch, prefix, hidden]
      prefix = (int) soft.getShape().get(1);
      if (soft.getShape().get(0) != batch) {
        soft = soft.repeat(0, batch);
      }
      hidden = NDArrays.concat(new NDList(soft, hidden), 1); // [batch, prefix + seq, hidden]
      if (padding != null) {
        NDArray ones = scope.ones(new Shape(batch, prefix), padding.getDataType());
        padding = NDArrays.concat(new NDList(ones, padding), 1); // [batch, prefix + seq]
      }
    }
    int seq = (int) hidden.getShape().get(1);
    TokenTree tree = options.tree() == null ? null : tree(options, seq, past);
    int extent = tree == null ? past + seq : tree.extent();
    if (extent > config.contextLength()) {
      throw new ContextOverflowException(
          "%d tokens (%d cached + %d new) exceed the model's context window of %d (max_position_embeddings); shorten the prompt or use fewer demonstrations"
              .formatted(extent, past, extent - past, config.contextLength()));
    }
    NDArray positions =
        tree == null ? positions(scope, batch, seq, past, padding) : tree.positions(scope, batch);
    AttentionVariant attention = config.attention();
    TreeAttention chunked =
        tree != null && !attention.isMomentum() && options.observer() == null
            ? TreeAttention.plan(scope, tree, slidingWindow())
            : null;
    NDArray mask;
    if (tree != null) {
      mask = chunked != null ? null : tree.mask(scope, slidingWindow());
    } else {
      mask =
          seq == 1 && padding == null && slidingWindow() > past
              ? null
              : Ops.attentionMask(scope, batch, seq, past, padding, slidingWindow());
    }
    Rotary rotary = rotary();
    Rotary.Tables tables = rotary == null ? null : rotary.tables(scope, positions);
    NDArray momentum = null;
    if (attention.isMomentum()) {
      momentum =
          tree == null
              ? MomentumAttention.weights(scope, seq, past, mask, attention.eta())
              : tree.momentumWeights(scope, slidingWindow(), attention.eta());
    }
    // A token-tree pass outside autograd with no observer (packed scoring) writes its layers'
    // intermediate results in place: fewer and smaller allocations (same values).
    boolean overwrites =
        tree != null && options.observer() == null && !Tensors.recordingGradients();
    Step step =
        new Step(
            scope,
            positions,
            mask,
            cache,
            options.observer(),
            past,
            tables,
            momentum,
            tree == null,
            chunked,
            overwrites);
    return new DecoderPass(this, step, addPositions(step, hidden), seq, prefix, options);
  }

  private static TokenTree tree(ForwardOptions options, int seq, int past) {
    if (options.attentionMask() != null || options.inputPrefix() != null) {
      throw new IllegalArgumentException("a token tree takes no padding mask or input prefix");
    }
    if (options.tree().length != seq) {
      throw new IllegalArgumentException(
          "token tree of " + options.tree().length + " parents for " + seq + " tokens");
    }
    if (options.cache() != null
        && options.cache().length() > 0
        && options.cache().batchSize() != 1) {
      throw new IllegalArgumentException("a token tree reads a cache of batch 1 only");
    }
    return TokenTree.of(options.tree(), past);
  }

  /** Hidden states at some input positions: [batch, seq, h] -> [batch, rows.length, h]. */
  static NDArray rows(NDManager scope, NDArray hidden, int offset, int[] rows) {
    Shape shape = hidden.getShape();
    long batch = shape.get(0);
    long seq = shape.get(1);
    long[] flat = new long[(int) batch * rows.length];
    for (int b = 0; b < batch; b++) {
      for (int r = 0; r < rows.length; r++) {
        if (rows[r] < 0 || offset + rows[r] >= seq) {
          throw new IllegalArgumentException("output row " + rows[r] + " outside the input");
        }
        flat[b * rows.length + r] = b * seq + offset + rows[r];
      }
    }
    NDArray table = hidden.reshape(batch * seq, shape.get(2)); // [batch * seq, h]
    return lookup(table, scope.create(flat, new Shape(batch, rows.length))); // [batch, rows, h]
  }

  /** Absolute positions; with padding, counted over real tokens only (as HF generate does). */
  private static NDArray positions(NDManager scope, int batch, int seq, int past, NDArray padding) {
    if (padding == null) {
      return scope
          .arange(past, past + seq)
          .toType(DataType.INT64, false)
          .reshape(1, seq)
          .repeat(0, batch); // [batch, seq]
    }
    NDArray counted =
        padding.toType(DataType.INT64, false).cumSum(1).sub(1).maximum(0); // [batch, past+seq]
    return counted.get(":, " + past + ":"); // [batch, seq]
  }

  /**
   * Attention of one layer after q/k/v are made: extends the cache, attends (adding the momentum
   * term for momentum attention), merges the heads and applies the output projection, reporting the
   * result to the observer.
   *
   * @param q [batch, heads, seq, headDim]
   * @param k [batch, kvHeads, seq, headDim]
   * @param v [batch, kvHeads, seq, headDim]
   * @return [batch, seq, hidden]
   */
  protected static NDArray attend(
      int layer, Step step, NDArray q, NDArray k, NDArray v, double scale, Dense output) {
    long batch = q.getShape().get(0);
    long seq = q.getShape().get(2);
    // Scaling q [.., seq, headDim] instead of the scores [.., seq, keys] is a smaller pass.
    NDArray scaled = scale == 1 ? q : Ops.scale(q, (float) scale);
    NDArray attended;
    NDArray[] kv = null;
    if (step.treeAttention() != null) {
      NDList prefix = step.cache().layer(layer); // [1, kvHeads, past, headDim] each
      attended = step.treeAttention().attend(scaled, k, v, prefix.get(0), prefix.get(1));
    } else {
      kv = step.remember(layer, k, v); // [batch, kvHeads, past + seq, headDim] each
      attended =
          Ops.attention(
              scaled,
              kv[0],
              kv[1],
              step.mask(),
              1,
              layer,
              step.past(),
              step.observer(),
              step.overwrites());
    }
    if (step.momentumWeights() != null) {
      attended =
          attended.add(MomentumAttention.term(step.momentumWeights(), kv[1], q.getShape().get(1)));
    }
    NDArray merged = attended.transpose(0, 2, 1, 3).reshape(batch, seq, -1); // [b, seq, h * d]
    NDArray out = output.apply(merged, step.overwrites()); // [batch, seq, hidden]
    step.observeOutput(layer, out);
    return out;
  }

  /** [batch, seq, heads * headDim] -> [batch, heads, seq, headDim]. */
  protected static NDArray splitHeads(NDArray x, int heads, int headDim) {
    long batch = x.getShape().get(0);
    long seq = x.getShape().get(1);
    return x.reshape(batch, seq, heads, headDim).transpose(0, 2, 1, 3);
  }

  /** Looks rows of {@code table} up: ids [batch, seq] -> [batch, seq, width]. */
  protected static NDArray lookup(NDArray table, NDArray ids) {
    return Embedding.embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
  }

  /** Loads a weight, shape-checked, and records it under its Hugging Face name. */
  protected final NDArray load(Checkpoint checkpoint, String name, long... shape) {
    NDArray array = checkpoint.load(manager, name, shape);
    array.setName(name);
    parameters.put(name, array);
    return array;
  }

  /** Loads an nn.Linear projection ({@code module.weight} [out, in], optional bias). */
  protected final Dense linear(
      Checkpoint checkpoint, String module, long out, long in, boolean bias) {
    return register(
        Dense.linear(
            module,
            load(checkpoint, module + ".weight", out, in),
            bias ? load(checkpoint, module + ".bias", out) : null));
  }

  /** Loads a GPT-2 Conv1D projection ({@code module.weight} [in, out], bias [out]). */
  protected final Dense conv1d(Checkpoint checkpoint, String module, long in, long out) {
    return register(
        Dense.conv1d(
            module,
            load(checkpoint, module + ".weight", in, out),
            load(checkpoint, module + ".bias", out)));
  }

  private Dense register(Dense dense) {
    projections.put(dense.name(), dense);
    listener.loaded(dense);
    return dense;
  }

  @Override
  public final Map<String, Dense> projections() {
    return Collections.unmodifiableMap(projections);
  }

  @Override
  public final ModelConfig config() {
    return config;
  }

  @Override
  public final NDManager manager() {
    return manager;
  }

  @Override
  public final Device device() {
    return manager.getDevice();
  }

  @Override
  public final Map<String, NDArray> parameters() {
    return Collections.unmodifiableMap(parameters);
  }

  @Override
  public void close() {
    manager.close();
  }
}
