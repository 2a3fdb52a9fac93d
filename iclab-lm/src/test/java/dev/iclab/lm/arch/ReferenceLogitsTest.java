package dev.iclab.lm.arch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.ReferenceOutputs;
import dev.iclab.lm.TestModels;
import dev.iclab.tensor.Tensors;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Every shared checkpoint against its float64 reference: logits, per-position top-5. On the device
 * of the system property {@code iclab.test.device} ({@code cpu} by default; {@code gpu} on a CUDA
 * machine, docs/BENCHMARKS.md "GPU").
 */
class ReferenceLogitsTest {
  static final java.util.List<String> MODELS = TestModels.WITH_REFERENCES;
  private static final String DEVICE = System.getProperty("iclab.test.device", "cpu");

  @ParameterizedTest
  @FieldSource("MODELS")
  void logitsAndTop5MatchReference(String name) {
    Path dir = TestModels.model(name);
    ReferenceOutputs reference = ReferenceOutputs.read(dir);
    try (CausalLM model = ModelLoader.standard().load(dir, Tensors.device(DEVICE));
        NDManager scope = model.manager().newSubManager()) {
      for (ReferenceOutputs.Case c : reference.cases()) {
        int seq = c.inputIds().length;
        NDArray ids = scope.create(c.inputIds(), new Shape(1, seq));
        NDArray logits = model.forward(scope, ids, ForwardOptions.NONE); // [1, seq, vocab]
        int vocab = model.config().vocabSize();
        float[] last = logits.get(0, seq - 1).toFloatArray();
        float maxDiff = 0;
        for (int i = 0; i < vocab; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(last[i] - c.lastLogits()[i]));
        }
        // float32 forward vs float64 reference: 1e-4 absolute (MODELS.md).
        assertEquals(0, maxDiff, 1e-4, name + "/" + c.name() + " max |logit diff|");
        for (int p = 0; p < seq; p++) {
          int[] top =
              logits
                  .get(0, p)
                  .argSort(0, false)
                  .get(":5")
                  .toType(ai.djl.ndarray.types.DataType.INT32, false)
                  .toIntArray();
          assertArrayEquals(c.top5PerPosition()[p], top, name + "/" + c.name() + " top-5 at " + p);
        }
      }
    }
  }
}
