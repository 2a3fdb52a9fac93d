package dev.iclab.emergence.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Named trainable arrays that live in one model-level manager. Initial values come from a seeded
 * Java generator, so a model is reproducible whatever the engine's global random state.
 */
public final class ParameterStore {
  private final NDManager manager;
  private final SplittableRandom rng;
  private final List<String> names = new ArrayList<>();
  private final List<NDArray> arrays = new ArrayList<>();

  ParameterStore(NDManager manager, long seed) {
    this.manager = manager;
    this.rng = new SplittableRandom(seed);
  }

  /** A Gaussian-initialised parameter. */
  NDArray normal(String name, double std, long... shape) {
    Shape s = new Shape(shape);
    float[] values = new float[Math.toIntExact(s.size())];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (rng.nextGaussian() * std);
    }
    return add(name, values, s);
  }

  /** A constant-initialised parameter. */
  NDArray constant(String name, float value, long... shape) {
    Shape s = new Shape(shape);
    float[] values = new float[Math.toIntExact(s.size())];
    Arrays.fill(values, value);
    return add(name, values, s);
  }

  private NDArray add(String name, float[] values, Shape shape) {
    NDArray array = manager.create(values, shape);
    array.setName(name);
    array.setRequiresGradient(true);
    names.add(name);
    arrays.add(array);
    return array;
  }

  public List<String> names() {
    return Collections.unmodifiableList(names);
  }

  public List<NDArray> arrays() {
    return Collections.unmodifiableList(arrays);
  }

  /** Total number of scalar parameters. */
  public long count() {
    long total = 0;
    for (NDArray a : arrays) {
      total += a.getShape().size();
    }
    return total;
  }
}
