package dev.iclab.tune.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.iclab.tune.Scoped;
import dev.iclab.tune.TrainableParameter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter), as torch.optim.AdamW: decoupled weight decay p -= lr * wd * p,
 * then p -= lr * m_hat / (sqrt(v_hat) + eps) with bias-corrected moments.
 */
public final class AdamW implements Optimizer {
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private final NDManager manager;
  private final NDArray[] m;
  private final NDArray[] v;
  private final String[] names;
  private long steps;

  public AdamW(
      NDManager parent,
      List<TrainableParameter> parameters,
      double beta1,
      double beta2,
      double eps,
      double weightDecay) {
    if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && eps > 0 && weightDecay >= 0)) {
      throw new IllegalArgumentException(
          "AdamW needs 0 <= betas < 1, eps > 0, weight decay >= 0; got %s %s %s %s"
              .formatted(beta1, beta2, eps, weightDecay));
    }
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.manager = parent.newSubManager();
    m = new NDArray[parameters.size()];
    v = new NDArray[parameters.size()];
    names = new String[parameters.size()];
    for (int i = 0; i < m.length; i++) {
      NDArray p = parameters.get(i).array();
      m[i] = manager.zeros(p.getShape(), p.getDataType());
      v[i] = manager.zeros(p.getShape(), p.getDataType());
      names[i] = parameters.get(i).name();
    }
  }

  @Override
  public void step(
      NDManager scope, List<TrainableParameter> parameters, List<NDArray> grads, double lr) {
    steps++;
    double correction1 = 1 - Math.pow(beta1, steps);
    double correction2 = 1 - Math.pow(beta2, steps);
    for (int i = 0; i < parameters.size(); i++) {
      // Each parameter's temporaries (several arrays of its size) are freed before the next one's
      // are made, so a step's peak is one parameter's worth, not the whole model's several times.
      try (NDManager local = scope.newSubManager()) {
        update(local, parameters.get(i), grads.get(i), i, lr, correction1, correction2);
      }
    }
  }

  private void update(
      NDManager scope,
      TrainableParameter parameter,
      NDArray g,
      int i,
      double lr,
      double correction1,
      double correction2) {
    NDArray p = parameter.array();
    m[i].muli((float) beta1).addi(Scoped.in(scope, g.mul((float) (1 - beta1))));
    v[i].muli((float) beta2).addi(Scoped.in(scope, g.square()).mul((float) (1 - beta2)));
    NDArray mHat = Scoped.in(scope, m[i].div((float) correction1));
    NDArray denominator = Scoped.in(scope, v[i].div((float) correction2)).sqrt().add((float) eps);
    NDArray update = mHat.div(denominator).mul((float) lr);
    if (weightDecay > 0 && parameter.decay()) {
      NDArray decay = Scoped.in(scope, p.mul((float) (lr * weightDecay)));
      if (parameter.gradientMask() != null) {
        decay = decay.mul(parameter.gradientMask());
      }
      update = update.add(decay);
    }
    p.subi(update);
  }

  @Override
  public Map<String, float[]> state() {
    Map<String, float[]> state = new LinkedHashMap<>();
    state.put("step", new float[] {steps});
    for (int i = 0; i < m.length; i++) {
      state.put("exp_avg." + names[i], m[i].toFloatArray());
      state.put("exp_avg_sq." + names[i], v[i].toFloatArray());
    }
    return state;
  }

  @Override
  public void restore(Map<String, float[]> state) {
    steps = (long) state.get("step")[0];
    for (int i = 0; i < m.length; i++) {
      float[] first = state.get("exp_avg." + names[i]);
      float[] second = state.get("exp_avg_sq." + names[i]);
      if (first == null || second == null) {
        throw new IllegalArgumentException("optimizer state has no moments for " + names[i]);
      }
      m[i].set(first);
      v[i].set(second);
    }
  }

  @Override
  public long steps() {
    return steps;
  }

  @Override
  public void close() {
    manager.close();
  }
}
