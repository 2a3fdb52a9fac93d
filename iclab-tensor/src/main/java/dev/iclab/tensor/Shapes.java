package dev.iclab.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/** Named shape checks for internal invariants (a failure is a bug, not a user error). */
public final class Shapes {
  private Shapes() {}

  /** Checks that {@code array} has exactly the given dimensions; -1 matches any size. */
  public static NDArray check(NDArray array, String name, long... dims) {
    Shape shape = array.getShape();
    boolean ok = shape.dimension() == dims.length;
    for (int i = 0; ok && i < dims.length; i++) {
      ok = dims[i] < 0 || shape.get(i) == dims[i];
    }
    if (!ok) {
      throw new IllegalStateException(
          name + " has shape " + shape + ", expected " + Arrays.toString(dims));
    }
    return array;
  }
}
