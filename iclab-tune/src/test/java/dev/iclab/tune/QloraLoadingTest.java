package dev.iclab.tune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.TestModels;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.Dense;
import dev.iclab.lm.arch.ForwardOptions;
import dev.iclab.lm.arch.ProjectionListener;
import dev.iclab.tune.qlora.QloraTuner;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * QLoRA over a model quantised while it loads ({@link TunerRegistry#whileLoading}) is QLoRA over a
 * model quantised after loading: the same codes, so the same logits and gradients bit for bit.
 */
class QloraLoadingTest {
  private static final MethodOptions OPTIONS = MethodOptions.defaults(7).withLora(4, 8, 0, null);

  @ParameterizedTest
  @ValueSource(
      strings = {
        "tinystories-656k",
        "synthetic/gpt2-tiny",
        "synthetic/llama-tiny-untied-bf16-sharded"
      })
  void quantisingWhileLoadingEqualsQuantisingAfter(String name) {
    try (CausalLM after = load(name, ProjectionListener.NONE);
        CausalLM during = load(name, TunerRegistry.whileLoading("qlora", OPTIONS))) {
      assertTrue(
          during.projections().values().stream().allMatch(Dense::isReleased),
          "every FP32 projection is released as soon as it is quantised");
      try (Tuner expected = TunerRegistry.standard().create("qlora", after, OPTIONS);
          Tuner actual = TunerRegistry.standard().create("qlora", during, OPTIONS)) {
        TunerTest.perturbZeros(expected);
        TunerTest.perturbZeros(actual);
        assertEquals(
            ((QloraTuner) expected).quantizedBytes(), ((QloraTuner) actual).quantizedBytes());
        List<TrainingExample> batch = TunerTest.data(name, after).subList(0, 2);
        assertArrayEquals(logits(after, batch), logits(during, batch), name);
        Map<String, float[]> want = BatchLoss.gradients(expected, batch);
        Map<String, float[]> got = BatchLoss.gradients(actual, batch);
        assertEquals(want.keySet(), got.keySet());
        want.forEach((k, v) -> assertArrayEquals(v, got.get(k), name + " " + k));
      }
    }
  }

  @Test
  void aTunerWithOtherQuantisationSettingsIsRefused() {
    try (CausalLM model =
        load("tinystories-656k", QloraTuner.quantizeWhileLoading(64, true /* double quant */))) {
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () -> TunerRegistry.standard().create("qlora", model, OPTIONS));
      assertTrue(e.getMessage().contains("double quantisation"), e.getMessage());
    }
  }

  private static CausalLM load(String name, ProjectionListener listener) {
    return ModelLoader.standard().load(TestModels.model(name), Device.cpu(), true, listener);
  }

  private static float[] logits(CausalLM model, List<TrainingExample> batch) {
    try (NDManager scope = model.manager().newSubManager()) {
      BatchLoss.Tokens tokens = BatchLoss.Tokens.of(scope, batch);
      return model.forward(scope, tokens.input(), ForwardOptions.NONE).toFloatArray();
    }
  }
}
