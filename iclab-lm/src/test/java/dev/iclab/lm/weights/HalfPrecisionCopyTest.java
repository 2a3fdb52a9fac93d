package dev.iclab.lm.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.ReferenceOutputs;
import dev.iclab.lm.TestModels;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ForwardOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A checkpoint rewritten as sharded F16 or BF16 gives the FP32 original's logits within the
 * rounding of its weights.
 *
 * <p>Tolerance: rounding a weight to F16 changes it by at most 2^-11 relative, BF16 by 2^-8. A
 * logit is a sum of products of such weights through a few layers, so its relative change is a
 * small multiple of that: we allow 8 units of the format's rounding relative to the largest logit
 * (F16: 8 * 2^-11 ~ 0.4%, BF16: 8 * 2^-8 ~ 3%). A wrong conversion (byte order, exponent bias,
 * truncated mantissa) moves logits by far more. (TinyStories' weights happen to be exactly
 * representable in BF16, so its copies reproduce the logits bit for bit.)
 */
class HalfPrecisionCopyTest {
  @TempDir Path dir;

  @ParameterizedTest
  @CsvSource({
    "synthetic/llama-tiny-untied, F16",
    "synthetic/llama-tiny-untied, BF16",
    "tinystories-656k, F16",
    "tinystories-656k, BF16",
    "synthetic/neox-tiny, BF16"
  })
  void shardedHalfCopyMatchesOriginal(String name, DType dtype) throws IOException {
    Path original = TestModels.model(name);
    Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
    try (SafetensorsFile file = SafetensorsFile.open(original.resolve("model.safetensors"))) {
      for (TensorEntry entry : file.entries().values()) {
        if (entry.dtype() != DType.F32) {
          continue; // legacy buffers (NeoX's causal mask) are not weights
        }
        var buffer = file.bytes(entry).asFloatBuffer();
        float[] values = new float[buffer.remaining()];
        buffer.get(values);
        tensors.put(entry.name(), new SafetensorsWriter.Tensor(entry.shape(), values));
      }
      Files.copy(original.resolve("config.json"), dir.resolve("config.json"));
      long total = tensors.values().stream().mapToLong(t -> t.values().length).sum() * 2;
      List<Path> shards = SafetensorsWriter.writeSharded(dir, tensors, dtype, total / 3 + 1);
      assertTrue(shards.size() >= 3, "expected at least 3 shards, got " + shards.size());
      try (Checkpoint copy = Checkpoint.open(dir)) {
        for (String tensor : copy.names()) {
          assertEquals(dtype, copy.entry(tensor).orElseThrow().dtype(), tensor);
        }
      }
    }
    int[] ids = ReferenceOutputs.read(original).cases().get(0).inputIds();
    double unit = dtype == DType.F16 ? 0x1p-11 : 0x1p-8;
    try (CausalLM full = ModelLoader.standard().load(original);
        CausalLM half = ModelLoader.standard().load(dir);
        NDManager scope = full.manager().newSubManager()) {
      NDArray input = scope.create(ids, new Shape(1, ids.length));
      float[] expected = full.forward(scope, input, ForwardOptions.NONE).toFloatArray();
      float[] actual = half.forward(scope, input, ForwardOptions.NONE).toFloatArray();
      double largest = 0;
      double worst = 0;
      for (int i = 0; i < expected.length; i++) {
        largest = Math.max(largest, Math.abs(expected[i]));
        worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
      }
      double bound = 8 * unit * largest;
      assertTrue(worst <= bound, "max diff %.3g exceeds %.3g".formatted(worst, bound));
      assertEquals(expected.length, actual.length);
    }
  }
}
