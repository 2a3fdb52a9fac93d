package dev.iclab.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** {@link Tensors#copyOf} writes the values through the array's storage: they read back equal. */
class TensorsCopyTest {
  @Test
  void floatsAndBytesReadBackEqual() {
    float[] floats = {1.5f, -2f, 0f, Float.MIN_VALUE, 3e38f, -0f};
    byte[] bytes = {0, 1, 15, (byte) 200, (byte) 255, 7};
    try (NDManager manager = Tensors.newManager()) {
      NDArray f = Tensors.copyOf(manager, floats, new Shape(2, 3));
      assertEquals(new Shape(2, 3), f.getShape());
      assertArrayEquals(floats, f.toFloatArray());
      NDArray u = Tensors.copyOf(manager, bytes, new Shape(6), DataType.UINT8);
      assertArrayEquals(bytes, u.toByteArray());
      NDArray i = Tensors.copyOf(manager, bytes, new Shape(3, 2), DataType.INT8);
      assertArrayEquals(
          new int[] {0, 1, 15, -56, -1, 7}, i.toType(DataType.INT32, false).toIntArray());
      assertThrows(
          IllegalArgumentException.class,
          () -> Tensors.copyOf(manager, bytes, new Shape(6), DataType.INT32));
    }
  }
}
