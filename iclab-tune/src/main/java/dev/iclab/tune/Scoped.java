package dev.iclab.tune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * DJL attaches an op's result to the manager of its first operand. When that operand is long-lived
 * (a tuner's parameter, an optimizer's moment), the result would stay until the model is closed;
 * these helpers move it to the pass's scope at once.
 */
public final class Scoped {
  private Scoped() {}

  /** Moves {@code result} (just computed) into {@code scope} and returns it. */
  public static NDArray in(NDManager scope, NDArray result) {
    result.attach(scope);
    return result;
  }

  /** A differentiable copy of a long-lived array, owned by {@code scope}. */
  public static NDArray use(NDManager scope, NDArray parameter) {
    return in(scope, parameter.add(0f));
  }
}
