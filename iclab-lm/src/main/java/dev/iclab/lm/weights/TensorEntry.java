package dev.iclab.lm.weights;

import java.util.Arrays;

/**
 * One tensor's header entry in a safetensors file.
 *
 * @param begin byte offset of the first element, relative to the start of the data section
 * @param end byte offset one past the last element, relative to the start of the data section
 */
public record TensorEntry(String name, DType dtype, long[] shape, long begin, long end) {
  public TensorEntry {
    shape = shape.clone();
  }

  /** Number of elements (1 for a scalar). */
  public long elementCount() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  public long byteSize() {
    return end - begin;
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorEntry e
        && name.equals(e.name)
        && dtype == e.dtype
        && Arrays.equals(shape, e.shape)
        && begin == e.begin
        && end == e.end;
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name + " " + dtype + Arrays.toString(shape);
  }
}
