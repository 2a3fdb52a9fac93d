package dev.iclab.lm.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.iclab.tensor.Tensors;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Tensors larger than one read chunk (8 MB of stored bytes) are read whole and in order into
 * engine-owned memory: every value equals its own rounding to the stored format, element by element
 * (F32: itself, read with owned memory rather than mapped).
 */
class WideningTest {
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"F16", "BF16", "F32"})
  void aTensorOfSeveralChunksIsWidenedExactly(DType dtype) {
    int n = 3 * (4 << 20) + 12_345; // 3 chunks of 4M half-precision values and a partial one
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) Math.sin(i * 0.001) * (1 + i % 7); // distinct, in F16's range
    }
    float[] rounded = new float[n];
    for (int i = 0; i < n; i++) {
      rounded[i] =
          switch (dtype) {
            case F16 -> HalfFloats.f16ToFloat(HalfFloats.floatToF16(values[i]));
            case BF16 -> HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(values[i]));
            default -> values[i];
          };
    }
    Path file = dir.resolve(Checkpoint.SINGLE_FILE);
    SafetensorsWriter.write(
        file, Map.of("w", new SafetensorsWriter.Tensor(new long[] {n}, values)), dtype, Map.of());
    try (Checkpoint checkpoint = Checkpoint.open(dir, true);
        NDManager manager = Tensors.newManager()) {
      NDArray loaded = checkpoint.load(manager, "w", n);
      assertArrayEquals(rounded, loaded.toFloatArray());
    }
  }
}
