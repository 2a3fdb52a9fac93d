package dev.iclab.tune.prefix;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ForwardOptions;
import dev.iclab.lm.cache.KvCache;
import dev.iclab.lm.config.ModelConfig;
import dev.iclab.lm.weights.SafetensorsWriter;
import dev.iclab.tensor.Ops;
import dev.iclab.tune.AbstractTuner;
import dev.iclab.tune.BaseModel;
import dev.iclab.tune.Init;
import dev.iclab.tune.Scoped;
import dev.iclab.tune.TrainableParameter;
import dev.iclab.tune.peft.PeftFormat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Prefix tuning through a pre-filled {@link KvCache}: each forward pass starts from a cache holding
 * P trainable keys and values per layer (keys as the attention uses them, like HF's
 * past_key_values), so the tokens take positions P.. and attend to the prefix. The prefix table [P,
 * layers * 2 * kvHeads * headDim] is laid out [P, layer, key|value, kvHead, headDim], PEFT's
 * past_key_values layout; it is saved as PEFT's PREFIX_TUNING {@code prompt_embeddings} (after the
 * MLP when there is one).
 */
public final class PrefixTuner extends AbstractTuner {
  public static final String PEFT_TYPE = "PREFIX_TUNING";
  static final String TENSOR = "prompt_embeddings";

  private final PrefixConfig config;
  private final NDManager manager;
  private final List<TrainableParameter> parameters = new ArrayList<>();
  private final NDArray table; // [P, width] direct, or the MLP's input embedding [P, hidden]
  private NDArray w1; // [reparam, hidden]
  private NDArray b1; // [reparam]
  private NDArray w2; // [width, reparam]
  private NDArray b2; // [width]

  public PrefixTuner(CausalLM model, PrefixConfig config, long seed) {
    this(model, config, seed, null);
  }

  private PrefixTuner(CausalLM model, PrefixConfig config, long seed, float[] values) {
    super("prefix", PEFT_TYPE, model);
    this.config = config;
    this.manager = model.manager().newSubManager();
    int p = config.virtualTokens();
    int width = width(model.config());
    int hidden = model.config().hiddenSize();
    int r = config.reparamHidden();
    if (r == 0) {
      float[] init =
          values != null ? values : Init.gaussian(Init.seedFor(seed, TENSOR), p * width, 0.5);
      table = manager.create(init, new Shape(p, width));
      parameters.add(TrainableParameter.of(TENSOR, table));
    } else {
      table =
          manager.create(
              Init.gaussian(Init.seedFor(seed, "embedding"), p * hidden, 1), new Shape(p, hidden));
      w1 =
          manager.create(
              Init.kaimingUniform(Init.seedFor(seed, "w1"), r * hidden, hidden),
              new Shape(r, hidden));
      b1 = manager.create(Init.kaimingUniform(Init.seedFor(seed, "b1"), r, hidden), new Shape(r));
      w2 =
          manager.create(
              Init.kaimingUniform(Init.seedFor(seed, "w2"), width * r, r), new Shape(width, r));
      b2 =
          manager.create(Init.kaimingUniform(Init.seedFor(seed, "b2"), width, r), new Shape(width));
      parameters.add(TrainableParameter.of("prefix_encoder.embedding.weight", table));
      parameters.add(TrainableParameter.of("prefix_encoder.transform.0.weight", w1));
      parameters.add(TrainableParameter.of("prefix_encoder.transform.0.bias", b1));
      parameters.add(TrainableParameter.of("prefix_encoder.transform.2.weight", w2));
      parameters.add(TrainableParameter.of("prefix_encoder.transform.2.bias", b2));
    }
  }

  /** layers * 2 * kvHeads * headDim. */
  static int width(ModelConfig c) {
    return c.numLayers() * 2 * c.numKeyValueHeads() * c.headDim();
  }

  /** The prefixes [P, width], computed in {@code scope}. */
  private NDArray prefixes(NDManager scope) {
    NDArray e = Scoped.use(scope, table);
    if (config.reparamHidden() == 0) {
      return e;
    }
    NDArray h = Ops.linear(e, w1, b1).tanh(); // [P, reparam]
    return Ops.linear(h, w2, b2); // [P, width]
  }

  @Override
  public ForwardOptions forwardOptions(NDManager scope, int batch) {
    int p = config.virtualTokens();
    if (p == 0) {
      return ForwardOptions.NONE;
    }
    ModelConfig c = model.config();
    int kvHeads = c.numKeyValueHeads();
    NDArray all =
        prefixes(scope).reshape(p, c.numLayers(), 2, kvHeads, c.headDim()); // [P, L, 2, kvH, d]
    KvCache cache = new KvCache(scope, c.numLayers());
    for (int layer = 0; layer < c.numLayers(); layer++) {
      NDArray k = all.get(":, " + layer + ", 0").transpose(1, 0, 2).expandDims(0); // [1,kvH,P,d]
      NDArray v = all.get(":, " + layer + ", 1").transpose(1, 0, 2).expandDims(0); // [1,kvH,P,d]
      if (batch > 1) {
        k = k.repeat(0, batch); // [batch, kvH, P, d]
        v = v.repeat(0, batch);
      }
      cache.append(layer, k, v);
    }
    cache.advance(p);
    return ForwardOptions.withCache(cache);
  }

  @Override
  public int virtualTokens() {
    return config.virtualTokens();
  }

  /** Reads a PEFT PREFIX_TUNING adapter (its prompt_embeddings; any MLP was applied on saving). */
  public static PrefixTuner load(CausalLM model, Path directory) {
    int width = width(model.config());
    SafetensorsWriter.Tensor t =
        PeftFormat.readVirtualTokens(
            directory, TENSOR, width, width + " = layers x 2 x kv heads x head dim");
    return new PrefixTuner(model, new PrefixConfig((int) t.shape()[0], 0), 0, t.values());
  }

  @Override
  public List<TrainableParameter> parameters() {
    return config.virtualTokens() == 0 ? List.of() : parameters;
  }

  @Override
  public void save(Path directory, BaseModel base) {
    ModelConfig c = model.config();
    ObjectNode json = PeftFormat.newConfig(PEFT_TYPE, base.name());
    json.put("num_virtual_tokens", config.virtualTokens());
    json.put("token_dim", c.numKeyValueHeads() * c.headDim());
    json.put("num_transformer_submodules", 1);
    json.put("num_attention_heads", c.numKeyValueHeads());
    json.put("num_layers", c.numLayers());
    json.put("prefix_projection", false); // the MLP's output is what is saved
    if (config.reparamHidden() > 0) {
      json.put("encoder_hidden_size", config.reparamHidden());
    }
    float[] values;
    try (NDManager scope = manager.newSubManager()) {
      values = prefixes(scope).toFloatArray();
    }
    PeftFormat.write(
        directory,
        json,
        Map.of(
            TENSOR,
            new SafetensorsWriter.Tensor(new long[] {config.virtualTokens(), width(c)}, values)));
  }

  @Override
  public void close() {
    manager.close();
  }
}
