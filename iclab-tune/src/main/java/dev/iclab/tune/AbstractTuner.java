package dev.iclab.tune;

import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.weights.SafetensorsWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What every tuner shares: its method and PEFT type names, and the model it is attached to. */
public abstract class AbstractTuner implements Tuner {
  private final String method;
  private final String peftType;
  protected final CausalLM model;

  protected AbstractTuner(String method, String peftType, CausalLM model) {
    this.method = method;
    this.peftType = peftType;
    this.model = model;
  }

  @Override
  public final String method() {
    return method;
  }

  @Override
  public final String peftType() {
    return peftType;
  }

  @Override
  public final CausalLM model() {
    return model;
  }

  /** The trained arrays by name, as a PEFT adapter's safetensors file holds them. */
  protected static Map<String, SafetensorsWriter.Tensor> tensors(
      List<TrainableParameter> parameters) {
    Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
    for (TrainableParameter p : parameters) {
      tensors.put(
          p.name(),
          new SafetensorsWriter.Tensor(p.array().getShape().getShape(), p.array().toFloatArray()));
    }
    return tensors;
  }
}
