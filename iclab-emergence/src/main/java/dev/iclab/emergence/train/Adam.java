package dev.iclab.emergence.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * Adam (Kingma and Ba) with bias correction, updating parameters in place. Its moment estimates
 * live in a child of the model's manager; every temporary of an update must be freed by the
 * caller's step scope.
 */
public final class Adam implements AutoCloseable {
  private static final double BETA1 = 0.9;
  private static final double BETA2 = 0.999;
  private static final double EPS = 1e-8;

  private final List<NDArray> params;
  private final NDManager manager;
  private final NDList firstMoments = new NDList();
  private final NDList secondMoments = new NDList();

  public Adam(List<NDArray> params, NDManager modelManager) {
    this.params = params;
    this.manager = modelManager.newSubManager();
    for (NDArray p : params) {
      firstMoments.add(manager.zeros(p.getShape()));
      secondMoments.add(manager.zeros(p.getShape()));
    }
  }

  /**
   * One update. Must run with gradient recording off (outside a gradient collector).
   *
   * @param grads gradients in parameter order, owned by the step's manager
   * @param gradScale factor applied to every gradient first (global-norm clipping)
   * @param learningRate this step's learning rate
   * @param step 1-based step count, for bias correction
   */
  public void update(List<NDArray> grads, float gradScale, double learningRate, long step) {
    double correction = Math.sqrt(1 - Math.pow(BETA2, step)) / (1 - Math.pow(BETA1, step));
    float stepSize = (float) (learningRate * correction);
    for (int i = 0; i < params.size(); i++) {
      NDArray g = gradScale == 1f ? grads.get(i) : grads.get(i).mul(gradScale);
      NDArray m = firstMoments.get(i);
      NDArray v = secondMoments.get(i);
      m.muli((float) BETA1).addi(g.mul((float) (1 - BETA1)));
      v.muli((float) BETA2).addi(g.square().muli((float) (1 - BETA2)));
      NDArray denominator = v.sqrt(); // made in the moments' manager: move it to the step's
      denominator.attach(g.getManager());
      NDArray ratio = m.div(denominator.addi((float) EPS));
      ratio.attach(g.getManager());
      params.get(i).subi(ratio.muli(stepSize));
    }
  }

  /** Moments in parameter order: all first moments, then all second moments. */
  public NDList state() {
    NDList state = new NDList();
    state.addAll(firstMoments);
    state.addAll(secondMoments);
    return state;
  }

  @Override
  public void close() {
    manager.close();
  }
}
