package dev.iclab.tune.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.iclab.tune.TrainableParameter;
import java.util.List;
import java.util.Map;

/** Plain stochastic gradient descent: p -= lr * g (Dai et al.'s restricted fine-tuning uses it). */
public final class Sgd implements Optimizer {
  private long steps;

  @Override
  public void step(
      NDManager scope, List<TrainableParameter> parameters, List<NDArray> grads, double lr) {
    for (int i = 0; i < parameters.size(); i++) {
      parameters.get(i).array().subi(grads.get(i).mul((float) lr));
    }
    steps++;
  }

  @Override
  public Map<String, float[]> state() {
    return Map.of("step", new float[] {steps});
  }

  @Override
  public void restore(Map<String, float[]> state) {
    float[] step = state.get("step");
    steps = step == null ? 0 : (long) step[0];
  }

  @Override
  public long steps() {
    return steps;
  }

  @Override
  public void close() {}
}
