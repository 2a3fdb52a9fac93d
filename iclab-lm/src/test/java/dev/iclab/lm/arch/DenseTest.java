package dev.iclab.lm.arch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.iclab.tensor.Tensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A packed pass's projection (bias added in place, few rows padded) equals the plain one. */
class DenseTest {
  @ParameterizedTest
  @ValueSource(ints = {100, 144, 150, 191, 192, 200})
  void overwritingProductEqualsThePlainOne(int rows) {
    try (NDManager scope = Tensors.newManager()) {
      // 256 x 4096: a widening product large enough to be padded below 192 rows
      Dense dense =
          Dense.conv1d(
              "mlp.c_fc",
              scope.randomNormal(new Shape(256, 4096)).mul(0.05f),
              scope.randomNormal(new Shape(4096)));
      NDArray x = scope.randomNormal(new Shape(1, rows, 256));
      float[] input = x.toFloatArray();
      float[] expected = dense.apply(x).toFloatArray();
      NDArray got = dense.apply(x, true);
      assertEquals(new Shape(1, rows, 4096), got.getShape());
      assertArrayEquals(expected, got.toFloatArray(), 1e-5f);
      assertArrayEquals(input, x.toFloatArray(), 0f, "the input is left as it was");
    }
  }

  @Test
  void narrowingProductIsNotPadded() {
    try (NDManager scope = Tensors.newManager()) {
      Dense dense =
          Dense.conv1d(
              "mlp.c_proj",
              scope.randomNormal(new Shape(4096, 256)).mul(0.05f),
              scope.randomNormal(new Shape(256)));
      NDArray x = scope.randomNormal(new Shape(1, 168, 4096));
      assertArrayEquals(
          dense.apply(x).toFloatArray(), dense.apply(x, true).toFloatArray(), 0f, "same steps");
    }
  }
}
