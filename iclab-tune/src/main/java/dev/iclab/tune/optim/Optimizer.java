package dev.iclab.tune.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.iclab.tune.TrainableParameter;
import java.util.List;
import java.util.Map;

/**
 * Updates trainable arrays in place from their gradients. Its state (moments) lives in its own
 * manager, created once; each step's temporaries live in the step's scope.
 */
public interface Optimizer extends AutoCloseable {
  /**
   * One update.
   *
   * @param grads gradients in the order of {@code parameters}, owned by {@code scope}, already
   *     masked and clipped
   */
  void step(NDManager scope, List<TrainableParameter> parameters, List<NDArray> grads, double lr);

  /** The state to save for resuming (name -> values); empty for stateless optimizers. */
  Map<String, float[]> state();

  /** Restores what {@link #state()} returned. */
  void restore(Map<String, float[]> state);

  /** Number of updates made. */
  long steps();

  @Override
  void close();
}
