package dev.iclab.tune.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.Dense;
import dev.iclab.lm.weights.SafetensorsWriter;
import dev.iclab.tune.AbstractTuner;
import dev.iclab.tune.BaseModel;
import dev.iclab.tune.Init;
import dev.iclab.tune.ModuleTargets;
import dev.iclab.tune.Scoped;
import dev.iclab.tune.TrainableParameter;
import dev.iclab.tune.peft.AdapterFormatException;
import dev.iclab.tune.peft.PeftFormat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** LoRA on the target projections; saved and loaded in PEFT's format (peft_type LORA). */
public final class LoraTuner extends AbstractTuner {
  public static final String PEFT_TYPE = "LORA";

  private final LoraConfig config;
  private final NDManager manager;
  private final List<LoraLayer> layers = new ArrayList<>();
  private final List<TrainableParameter> parameters = new ArrayList<>();

  /** A fresh adapter: A initialised from {@code seed}, B zero. */
  public LoraTuner(CausalLM model, LoraConfig config, long seed) {
    this(model, config, seed, null, "lora", dense -> null);
  }

  /**
   * The general constructor (QLoRA passes the quantised base adapters).
   *
   * @param weights null for a fresh adapter, else PEFT tensors by name
   * @param baseOf the adapter under LoRA for a projection, or null for its own weights
   */
  public LoraTuner(
      CausalLM model,
      LoraConfig config,
      long seed,
      Map<String, SafetensorsWriter.Tensor> weights,
      String method,
      Function<Dense, Dense.Adapter> baseOf) {
    super(method, PEFT_TYPE, model);
    this.config = config;
    List<Dense> targets = ModuleTargets.resolve(model, config.targets(), "--target");
    this.manager = model.manager().newSubManager();
    try {
      attach(targets, seed, weights, baseOf);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private void attach(
      List<Dense> targets,
      long seed,
      Map<String, SafetensorsWriter.Tensor> weights,
      Function<Dense, Dense.Adapter> baseOf) {
    int r = config.rank();
    for (Dense dense : targets) {
      long in = dense.inFeatures();
      long out = dense.outFeatures();
      String aName = tensorName(dense.name(), "A");
      String bName = tensorName(dense.name(), "B");
      float[] aValues;
      float[] bValues;
      if (weights == null) {
        long s = Init.seedFor(seed, aName);
        aValues =
            config.init() == LoraConfig.Init.GAUSSIAN
                ? Init.gaussian(s, (int) (r * in), 1.0 / r)
                : Init.kaimingUniform(s, (int) (r * in), in);
        bValues = new float[(int) (out * r)];
      } else {
        aValues = take(weights, aName, new long[] {r, in});
        bValues = take(weights, bName, new long[] {out, r});
      }
      NDArray a = manager.create(aValues, new Shape(r, in));
      NDArray b = manager.create(bValues, new Shape(out, r));
      LoraLayer layer =
          new LoraLayer(dense, a, b, config.scaling(), config.dropout(), baseOf.apply(dense));
      dense.setAdapter(layer);
      layers.add(layer);
      parameters.add(new TrainableParameter(aName, a, null, true));
      parameters.add(new TrainableParameter(bName, b, null, true));
    }
  }

  private static float[] take(
      Map<String, SafetensorsWriter.Tensor> weights, String name, long[] shape) {
    SafetensorsWriter.Tensor t = weights.get(name);
    if (t == null) {
      throw new AdapterFormatException(
          "adapter has no tensor %s; it was saved for other target modules or another base model"
              .formatted(name));
    }
    if (!Arrays.equals(t.shape(), shape)) {
      throw new AdapterFormatException(
          "adapter tensor %s has shape %s but this model needs %s; the adapter was trained on a different base model (or rank)"
              .formatted(name, Arrays.toString(t.shape()), Arrays.toString(shape)));
    }
    return t.values();
  }

  /** PEFT's tensor name for LoRA's A or B of {@code module}. */
  public static String tensorName(String module, String which) {
    return PeftFormat.MODULE_PREFIX + module + ".lora_" + which + ".weight";
  }

  /** Reads a PEFT LoRA adapter and attaches it. */
  public static LoraTuner load(CausalLM model, Path directory) {
    JsonNode json = PeftFormat.readConfig(directory);
    LoraConfig config = configFrom(json, directory);
    Map<String, SafetensorsWriter.Tensor> weights = PeftFormat.readTensors(directory);
    try {
      return new LoraTuner(model, config, 0, weights, "lora", dense -> null);
    } catch (RuntimeException e) {
      throw withBase(e, json, directory);
    }
  }

  /** Wraps a mismatch with the adapter's recorded base model. */
  public static RuntimeException withBase(RuntimeException e, JsonNode json, Path directory) {
    if (e instanceof dev.iclab.IclabException) {
      return new AdapterFormatException(
              "adapter %s (base_model_name_or_path '%s') does not fit this model: %s"
                  .formatted(directory, PeftFormat.baseModel(json), e.getMessage()))
          .causedBy(e);
    }
    return e;
  }

  /** The LoraConfig an adapter_config.json describes. */
  public static LoraConfig configFrom(JsonNode json, Path directory) {
    if (!json.hasNonNull("r") || !json.hasNonNull("target_modules")) {
      throw new AdapterFormatException(
          "%s/%s lacks \"r\" or \"target_modules\"".formatted(directory, PeftFormat.CONFIG));
    }
    if (json.path("use_dora").asBoolean(false) || json.path("use_rslora").asBoolean(false)) {
      throw new AdapterFormatException(
          "%s uses DoRA or rsLoRA, which iclab does not implement".formatted(directory));
    }
    List<String> targets = new ArrayList<>();
    JsonNode t = json.get("target_modules");
    if (t.isArray()) {
      t.forEach(n -> targets.add(n.asText()));
    } else {
      throw new AdapterFormatException(
          "%s: target_modules must be a list (regular expressions are not supported)"
              .formatted(directory));
    }
    int r = json.get("r").asInt();
    double alpha = json.path("lora_alpha").asDouble(8);
    return new LoraConfig(r, alpha, json.path("lora_dropout").asDouble(0), targets);
  }

  public LoraConfig config() {
    return config;
  }

  public List<LoraLayer> layers() {
    return layers;
  }

  @Override
  public List<TrainableParameter> parameters() {
    return parameters;
  }

  @Override
  public void setTraining(boolean training) {
    layers.forEach(l -> l.setTraining(training));
  }

  @Override
  public void save(Path directory, BaseModel base) {
    ObjectNode json = PeftFormat.newConfig(PEFT_TYPE, base.name());
    json.put("r", config.rank());
    json.put("lora_alpha", config.alpha());
    json.put("lora_dropout", config.dropout());
    var targets = json.putArray("target_modules");
    config.targets().forEach(targets::add);
    json.put("bias", "none");
    json.put("fan_in_fan_out", !layers.isEmpty() && layers.get(0).dense().isInputMajor());
    json.put("init_lora_weights", config.init() == LoraConfig.Init.GAUSSIAN ? "gaussian" : "true");
    json.putNull("modules_to_save");
    json.put("use_rslora", false);
    json.put("use_dora", false);
    Map<String, SafetensorsWriter.Tensor> tensors = tensors(parameters);
    PeftFormat.write(directory, json, tensors);
  }

  /**
   * Folds the adapters into the base weights (W += scaling B A, transposed for GPT-2's Conv1D) and
   * removes them. The model must own its weights ({@code ModelLoader.load(dir, device, true)}): the
   * default load maps them read-only.
   */
  public void merge() {
    for (LoraLayer layer : layers) {
      Dense dense = layer.dense();
      try (NDManager scope = manager.newSubManager()) {
        NDArray delta =
            Scoped.in(scope, layer.b().matMul(layer.a())).mul((float) layer.scaling()); // [out, in]
        dense.weight().addi(dense.isInputMajor() ? delta.transpose() : delta);
      }
      dense.setAdapter(layer.base());
    }
    layers.clear();
  }

  @Override
  public void close() {
    for (LoraLayer layer : layers) {
      if (layer.dense().adapter() == layer) {
        layer.dense().setAdapter(layer.base());
      }
    }
    layers.clear();
    manager.close();
  }
}
