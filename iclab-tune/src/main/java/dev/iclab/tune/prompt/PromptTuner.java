package dev.iclab.tune.prompt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ForwardOptions;
import dev.iclab.lm.weights.SafetensorsWriter;
import dev.iclab.tune.AbstractTuner;
import dev.iclab.tune.BaseModel;
import dev.iclab.tune.Embeddings;
import dev.iclab.tune.Init;
import dev.iclab.tune.Scoped;
import dev.iclab.tune.TrainableParameter;
import dev.iclab.tune.peft.PeftFormat;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Prompt tuning through {@link ForwardOptions#prefix}: a trainable [P, hidden] table is prepended
 * to the token embeddings of every row. Saved as PEFT's PROMPT_TUNING ({@code prompt_embeddings}).
 */
public final class PromptTuner extends AbstractTuner {
  public static final String PEFT_TYPE = "PROMPT_TUNING";
  static final String TENSOR = "prompt_embeddings";

  private final PromptConfig config;
  private final NDManager manager;
  private final NDArray embeddings; // [P, hidden]

  public PromptTuner(CausalLM model, PromptConfig config, long seed) {
    this(model, config, initial(model, config, seed));
  }

  private PromptTuner(CausalLM model, PromptConfig config, float[] values) {
    super("prompt", PEFT_TYPE, model);
    this.config = config;
    this.manager = model.manager().newSubManager();
    this.embeddings =
        manager.create(values, new Shape(config.virtualTokens(), model.config().hiddenSize()));
  }

  private static float[] initial(CausalLM model, PromptConfig config, long seed) {
    int p = config.virtualTokens();
    int hidden = model.config().hiddenSize();
    if (config.init() == PromptConfig.Init.RANDOM || p == 0) {
      return Init.gaussian(Init.seedFor(seed, TENSOR), p * hidden, 0.02);
    }
    int[] ids = new int[p];
    if (config.init() == PromptConfig.Init.TEXT) {
      for (int i = 0; i < p; i++) {
        ids[i] = config.initTokenIds().get(i % config.initTokenIds().size());
      }
    } else {
      SplittableRandom random = new SplittableRandom(Init.seedFor(seed, TENSOR));
      int vocab = Math.min(model.config().vocabSize(), 5000); // frequent tokens come first in BPE
      for (int i = 0; i < p; i++) {
        ids[i] = random.nextInt(vocab);
      }
    }
    float[] table = Embeddings.table(model).toFloatArray();
    float[] values = new float[p * hidden];
    for (int i = 0; i < p; i++) {
      System.arraycopy(table, ids[i] * hidden, values, i * hidden, hidden);
    }
    return values;
  }

  /** Reads a PEFT PROMPT_TUNING adapter. */
  public static PromptTuner load(CausalLM model, Path directory) {
    long hidden = model.config().hiddenSize();
    SafetensorsWriter.Tensor t =
        PeftFormat.readVirtualTokens(directory, TENSOR, hidden, String.valueOf(hidden));
    var config = new PromptConfig((int) t.shape()[0], PromptConfig.Init.RANDOM, List.of(), null);
    return new PromptTuner(model, config, t.values());
  }

  @Override
  public ForwardOptions forwardOptions(NDManager scope, int batch) {
    if (config.virtualTokens() == 0) {
      return ForwardOptions.NONE;
    }
    return ForwardOptions.NONE.prefix(Scoped.use(scope, embeddings).expandDims(0)); // [1, P, h]
  }

  @Override
  public int virtualTokens() {
    return config.virtualTokens();
  }

  @Override
  public List<TrainableParameter> parameters() {
    return config.virtualTokens() == 0
        ? List.of()
        : List.of(TrainableParameter.of(TENSOR, embeddings));
  }

  @Override
  public void save(Path directory, BaseModel base) {
    ObjectNode json = PeftFormat.newConfig(PEFT_TYPE, base.name());
    json.put("num_virtual_tokens", config.virtualTokens());
    json.put("token_dim", model.config().hiddenSize());
    json.put("num_transformer_submodules", 1);
    json.put("num_attention_heads", model.config().numHeads());
    json.put("num_layers", model.config().numLayers());
    json.put("prompt_tuning_init", config.init() == PromptConfig.Init.TEXT ? "TEXT" : "RANDOM");
    if (config.initText() != null) {
      json.put("prompt_tuning_init_text", config.initText());
    }
    PeftFormat.write(
        directory,
        json,
        Map.of(
            TENSOR,
            new SafetensorsWriter.Tensor(
                embeddings.getShape().getShape(), embeddings.toFloatArray())));
  }

  @Override
  public void close() {
    manager.close();
  }
}
