package dev.iclab.tune.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.Dense;
import dev.iclab.lm.weights.SafetensorsWriter;
import dev.iclab.tensor.Ops;
import dev.iclab.tune.AbstractTuner;
import dev.iclab.tune.BaseModel;
import dev.iclab.tune.Init;
import dev.iclab.tune.ModuleTargets;
import dev.iclab.tune.TrainableParameter;
import dev.iclab.tune.peft.AdapterFormatException;
import dev.iclab.tune.peft.PeftFormat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Bottleneck adapters on the attention output and MLP down projections, installed with {@link
 * Dense#setAdapter}: y = base(x); y + up(relu(down(y))). {@code up} starts at zero, so a fresh
 * adapter is the identity. Saved in the PEFT layout with peft_type BOTTLENECK_ADAPTER (iclab's own
 * type; tensors {@code base_model.model.<module>.adapter_down.weight} [size, out] etc.).
 */
public final class AdapterTuner extends AbstractTuner {
  public static final String PEFT_TYPE = "BOTTLENECK_ADAPTER";

  private final AdapterConfig config;
  private final NDManager manager;
  private final List<Dense> wrapped = new ArrayList<>();
  private final List<TrainableParameter> parameters = new ArrayList<>();

  public AdapterTuner(CausalLM model, AdapterConfig config, long seed) {
    this(model, config, seed, null);
  }

  private AdapterTuner(
      CausalLM model, AdapterConfig config, long seed, Map<String, SafetensorsWriter.Tensor> w) {
    super("adapter", PEFT_TYPE, model);
    this.config = config;
    List<String> present =
        config.targets().stream()
            .filter(
                t ->
                    model.projections().keySet().stream()
                        .anyMatch(p -> ModuleTargets.matches(p, t)))
            .toList();
    List<Dense> targets =
        ModuleTargets.resolve(
            model,
            config.targets() == AdapterConfig.DEFAULT_TARGETS ? present : config.targets(),
            "adapter targets");
    this.manager = model.manager().newSubManager();
    try {
      int size = config.size();
      for (Dense dense : targets) {
        long out = dense.outFeatures();
        String prefix = PeftFormat.MODULE_PREFIX + dense.name() + ".";
        NDArray down =
            create(
                w,
                prefix + "adapter_down.weight",
                new long[] {size, out},
                Init.kaimingUniform(Init.seedFor(seed, prefix + "down"), (int) (size * out), out));
        NDArray downBias =
            create(w, prefix + "adapter_down.bias", new long[] {size}, new float[size]);
        NDArray up =
            create(
                w,
                prefix + "adapter_up.weight",
                new long[] {out, size},
                new float[(int) (out * size)]);
        NDArray upBias =
            create(w, prefix + "adapter_up.bias", new long[] {out}, new float[(int) out]);
        dense.setAdapter(
            (x, base) -> {
              NDArray y = base.applyBase(x); // [..., out]
              NDArray h = Activation.relu(Ops.linear(y, down, downBias)); // [..., size]
              return y.add(Ops.linear(h, up, upBias)); // [..., out]
            });
        wrapped.add(dense);
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private NDArray create(
      Map<String, SafetensorsWriter.Tensor> weights, String name, long[] shape, float[] fresh) {
    float[] values = fresh;
    if (weights != null) {
      SafetensorsWriter.Tensor t = weights.get(name);
      if (t == null || !Arrays.equals(t.shape(), shape)) {
        throw new AdapterFormatException(
            "adapter tensor %s is %s but this model needs shape %s"
                .formatted(
                    name,
                    t == null ? "missing" : Arrays.toString(t.shape()),
                    Arrays.toString(shape)));
      }
      values = t.values();
    }
    NDArray array = manager.create(values, new Shape(shape));
    parameters.add(TrainableParameter.of(name, array));
    return array;
  }

  /** Reads a saved bottleneck adapter. */
  public static AdapterTuner load(CausalLM model, Path directory) {
    JsonNode json = PeftFormat.readConfig(directory);
    List<String> targets = new ArrayList<>();
    json.path("target_modules").forEach(n -> targets.add(n.asText()));
    try {
      return new AdapterTuner(
          model,
          new AdapterConfig(json.path("adapter_size").asInt(0), targets),
          0,
          PeftFormat.readTensors(directory));
    } catch (dev.iclab.IclabException e) {
      throw new AdapterFormatException(
              "adapter %s (base_model_name_or_path '%s') does not fit this model: %s"
                  .formatted(directory, PeftFormat.baseModel(json), e.getMessage()))
          .causedBy(e);
    }
  }

  @Override
  public List<TrainableParameter> parameters() {
    return parameters;
  }

  @Override
  public void save(Path directory, BaseModel base) {
    ObjectNode json = PeftFormat.newConfig(PEFT_TYPE, base.name());
    json.put("adapter_size", config.size());
    json.put("activation", "relu");
    var targets = json.putArray("target_modules");
    wrapped.forEach(d -> targets.add(d.name()));
    Map<String, SafetensorsWriter.Tensor> tensors = tensors(parameters);
    PeftFormat.write(directory, json, tensors);
  }

  @Override
  public void close() {
    wrapped.forEach(d -> d.setAdapter(null));
    wrapped.clear();
    manager.close();
  }
}
