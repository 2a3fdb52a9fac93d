package dev.iclab.lm.arch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** A pass taken apart at its layers computes what {@link CausalLM#forward} computes. */
class LayeredPassTest {
  private static final long[] IDS = {5, 17, 3, 99, 42, 7, 1, 250, 8, 64};

  @ParameterizedTest
  @FieldSource("dev.iclab.lm.TestModels#ONE_PER_ARCHITECTURE")
  void layerByLayerEqualsForwardBitForBit(String name) {
    try (CausalLM model = ModelLoader.standard().load(TestModels.model(name), Device.cpu(), false);
        NDManager scope = model.manager().newSubManager()) {
      NDArray ids = scope.create(IDS, new Shape(2, 5)); // [batch, seq]
      float[] expected = model.forward(scope, ids, ForwardOptions.NONE).toFloatArray();
      LayeredPass pass = model.layered(scope, ids, ForwardOptions.NONE);
      NDArray hidden = pass.embeddings();
      for (int l = 0; l < pass.numLayers(); l++) {
        hidden = pass.layer(l, hidden);
      }
      assertArrayEquals(expected, pass.logits(hidden).toFloatArray(), name);
      // a layer run again on the same input gives the same output
      NDArray first = pass.layer(0, pass.embeddings());
      assertArrayEquals(
          first.toFloatArray(), pass.layer(0, pass.embeddings()).toFloatArray(), name);
    }
  }

  @Test
  void aCacheIsRefused() {
    try (CausalLM model =
            ModelLoader.standard().load(TestModels.model("tinystories-656k"), Device.cpu(), false);
        NDManager scope = model.manager().newSubManager()) {
      NDArray ids = scope.create(IDS, new Shape(2, 5));
      ForwardOptions cached = ForwardOptions.withCache(model.newCache(scope));
      assertThrows(IllegalArgumentException.class, () -> model.layered(scope, ids, cached));
    }
  }
}
