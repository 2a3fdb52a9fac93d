package dev.iclab.lm.arch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.ReferenceOutputs;
import dev.iclab.lm.TestModels;
import dev.iclab.lm.Tolerances;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** What tuning methods build on: named projections, adapters, soft prefixes, owned weights. */
class ExtensionPointsTest {
  static final List<String> MODELS =
      List.of(
          "tinystories-656k", "synthetic/gpt2-tiny", "synthetic/qwen2-tiny", "synthetic/neox-tiny");

  private static int[] ids(String name) {
    return ReferenceOutputs.read(TestModels.model(name)).cases().get(1).inputIds();
  }

  @ParameterizedTest
  @FieldSource("MODELS")
  void projectionsAreNamedAfterTheirWeights(String name) {
    try (CausalLM model = ModelLoader.standard().load(TestModels.model(name))) {
      var projections = model.projections();
      assertFalse(projections.isEmpty());
      for (Dense dense : projections.values()) {
        assertTrue(
            model.parameters().get(dense.name() + ".weight") == dense.weight(), dense.name());
      }
      int perLayer = projections.size() / model.config().numLayers();
      assertEquals(projections.size(), perLayer * model.config().numLayers());
    }
  }

  @ParameterizedTest
  @FieldSource("MODELS")
  void passThroughAdapterKeepsLogitsAndZeroingOneChangesThem(String name) {
    int[] ids = ids(name);
    try (CausalLM model = ModelLoader.standard().load(TestModels.model(name));
        NDManager scope = model.manager().newSubManager()) {
      NDArray input = scope.create(ids, new Shape(1, ids.length));
      float[] base = model.forward(scope, input, ForwardOptions.NONE).toFloatArray();
      model.projections().values().forEach(d -> d.setAdapter((x, b) -> b.applyBase(x)));
      float[] adapted = model.forward(scope, input, ForwardOptions.NONE).toFloatArray();
      assertArrayEquals(base, adapted, 0f);
      Dense first = model.projections().values().iterator().next();
      first.setAdapter((x, b) -> b.applyBase(x).mul(0));
      float[] zeroed = model.forward(scope, input, ForwardOptions.NONE).toFloatArray();
      assertFalse(Arrays.equals(base, zeroed), "an adapter must be able to change the output");
    }
  }

  @ParameterizedTest
  @FieldSource("MODELS")
  void softPrefixOfTokenEmbeddingsEqualsThoseTokens(String name) {
    int[] ids = ids(name);
    int split = 3;
    int[] head = Arrays.copyOfRange(ids, 0, split);
    int[] tail = Arrays.copyOfRange(ids, split, ids.length);
    try (CausalLM model = ModelLoader.standard().load(TestModels.model(name));
        NDManager scope = model.manager().newSubManager()) {
      String embeddingName =
          model.parameters().keySet().stream()
              .filter(
                  k ->
                      k.contains("wte")
                          || k.contains("embed_tokens")
                          || k.contains("embed_in")
                          || k.equals("lm_head.weight"))
              .findFirst()
              .orElseThrow();
      NDArray table = model.parameters().get(embeddingName);
      NDArray prefix =
          Embedding.embedding(
                  scope
                      .create(head, new Shape(1, split))
                      .toType(ai.djl.ndarray.types.DataType.INT64, false),
                  table,
                  SparseFormat.DENSE)
              .singletonOrThrow();
      float[] full =
          model
              .forward(scope, scope.create(ids, new Shape(1, ids.length)), ForwardOptions.NONE)
              .get(":, " + split + ":, :")
              .toFloatArray();
      float[] soft =
          model
              .forward(
                  scope,
                  scope.create(tail, new Shape(1, tail.length)),
                  ForwardOptions.NONE.prefix(prefix))
              .toFloatArray();
      Tolerances.assertClose(full, soft, 1e-5, name);
      float[] plain =
          model
              .forward(scope, scope.create(tail, new Shape(1, tail.length)), ForwardOptions.NONE)
              .toFloatArray();
      float[] empty =
          model
              .forward(
                  scope,
                  scope.create(tail, new Shape(1, tail.length)),
                  ForwardOptions.NONE.prefix(
                      scope.zeros(new Shape(1, 0, model.config().hiddenSize()))))
              .toFloatArray();
      assertArrayEquals(plain, empty, 0f, "a zero-length prefix is the base model");
    }
  }

  @ParameterizedTest
  @FieldSource("MODELS")
  void trainableWeightsAreOwnedCopiesWithTheSameLogits(String name) {
    int[] ids = ids(name);
    try (CausalLM mapped = ModelLoader.standard().load(TestModels.model(name));
        CausalLM owned = ModelLoader.standard().load(TestModels.model(name), Device.cpu(), true);
        NDManager scope = mapped.manager().newSubManager()) {
      NDArray input = scope.create(ids, new Shape(1, ids.length));
      float[] a = mapped.forward(scope, input, ForwardOptions.NONE).toFloatArray();
      for (NDArray weight : owned.parameters().values()) {
        weight.muli(1f); // an in-place update must not fault on a read-only mapping
      }
      float[] b = owned.forward(scope, input, ForwardOptions.NONE).toFloatArray();
      assertArrayEquals(a, b, 0f);
    }
  }
}
