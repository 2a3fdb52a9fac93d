package dev.iclab.lm.arch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.ReferenceOutputs;
import dev.iclab.lm.TestModels;
import dev.iclab.lm.Tolerances;
import dev.iclab.lm.cache.KvCache;
import dev.iclab.lm.generate.GenerationConfig;
import dev.iclab.lm.generate.Generator;
import dev.iclab.lm.hooks.AttentionRecord;
import dev.iclab.lm.hooks.AttentionRecorder;
import dev.iclab.lm.score.ContinuationScore;
import dev.iclab.lm.score.Scorer;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** Properties every architecture must have, checked on every shared checkpoint. */
class RuntimeInvariantsTest {
  static final List<String> MODELS = TestModels.WITH_REFERENCES;

  private static ReferenceOutputs.Case longest(ReferenceOutputs reference) {
    return reference.cases().stream()
        .max((a, b) -> Integer.compare(a.inputIds().length, b.inputIds().length))
        .orElseThrow();
  }

  @ParameterizedTest
  @FieldSource("MODELS")
  void greedyWithCacheMatchesReference(String name) {
    var dir = TestModels.model(name);
    try (CausalLM model = ModelLoader.standard().load(dir)) {
      Generator generator = new Generator(model);
      for (ReferenceOutputs.Case c : ReferenceOutputs.read(dir).cases()) {
        var result =
            generator.generate(
                c.inputIds(), GenerationConfig.greedy(c.greedyNewIds().length, List.of()), null);
        assertArrayEquals(c.greedyNewIds(), result.generatedIds(), name + "/" + c.name());
      }
    }
  }

  @ParameterizedTest
  @FieldSource("MODELS")
  void tokenByTokenWithCacheEqualsFullForward(String name) {
    var dir = TestModels.model(name);
    int[] ids = longest(ReferenceOutputs.read(dir)).inputIds();
    try (CausalLM model = ModelLoader.standard().load(dir);
        NDManager scope = model.manager().newSubManager()) {
      float[] full =
          model
              .forward(scope, scope.create(ids, new Shape(1, ids.length)), ForwardOptions.NONE)
              .toFloatArray(); // [seq * vocab]
      int vocab = model.config().vocabSize();
      try (KvCache cache = model.newCache(scope)) {
        for (int t = 0; t < ids.length; t++) {
          float[] step =
              model
                  .forward(
                      scope,
                      scope.create(new int[] {ids[t]}, new Shape(1, 1)),
                      ForwardOptions.withCache(cache))
                  .toFloatArray();
          float[] expected = Arrays.copyOfRange(full, t * vocab, (t + 1) * vocab);
          // Same arithmetic in another order (matrix shapes differ, and the kernels chosen for
          // them differ between CPUs): 3e-5, relative above 1.
          Tolerances.assertClose(expected, step, 3e-5, name + " position " + t);
        }
        assertEquals(ids.length, cache.length());
      }
    }
  }

  @ParameterizedTest
  @FieldSource("MODELS")
  void leftPaddedBatchEqualsEachSequenceAlone(String name) {
    var dir = TestModels.model(name);
    List<int[]> sequences =
        ReferenceOutputs.read(dir).cases().stream().map(ReferenceOutputs.Case::inputIds).toList();
    int width = sequences.stream().mapToInt(s -> s.length).max().orElseThrow();
    int n = sequences.size();
    int[] ids = new int[n * width];
    float[] mask = new float[n * width];
    for (int i = 0; i < n; i++) {
      int[] s = sequences.get(i);
      int pad = width - s.length;
      for (int t = 0; t < s.length; t++) {
        ids[i * width + pad + t] = s[t];
        mask[i * width + pad + t] = 1;
      }
    }
    try (CausalLM model = ModelLoader.standard().load(dir);
        NDManager scope = model.manager().newSubManager()) {
      NDArray batch =
          model.forward(
              scope,
              scope.create(ids, new Shape(n, width)),
              ForwardOptions.NONE.mask(scope.create(mask, new Shape(n, width))));
      for (int i = 0; i < n; i++) {
        int[] s = sequences.get(i);
        float[] alone =
            model
                .forward(scope, scope.create(s, new Shape(1, s.length)), ForwardOptions.NONE)
                .toFloatArray();
        float[] row = batch.get(i + ", " + (width - s.length) + ":, :").toFloatArray();
        Tolerances.assertClose(alone, row, 1e-5, name + " row " + i);
      }
    }
  }

  @ParameterizedTest
  @FieldSource("MODELS")
  void scoreEqualsSumOfLogSoftmaxFromLogits(String name) {
    var dir = TestModels.model(name);
    int[] ids = longest(ReferenceOutputs.read(dir)).inputIds();
    int split = ids.length / 2;
    int[] context = Arrays.copyOfRange(ids, 0, Math.max(split, 1));
    List<int[]> candidates =
        List.of(
            Arrays.copyOfRange(ids, context.length, ids.length),
            new int[] {ids[0]},
            new int[] {ids[ids.length - 1], ids[0], ids[1 % ids.length]});
    try (CausalLM model = ModelLoader.standard().load(dir);
        NDManager scope = model.manager().newSubManager()) {
      List<ContinuationScore> scores = new Scorer(model).score(context, candidates);
      for (int c = 0; c < candidates.size(); c++) {
        int[] full =
            IntStream.concat(Arrays.stream(context), Arrays.stream(candidates.get(c))).toArray();
        NDArray logProbs =
            model
                .forward(scope, scope.create(full, new Shape(1, full.length)), ForwardOptions.NONE)
                .logSoftmax(-1);
        double expected = 0;
        for (int t = context.length; t < full.length; t++) {
          expected += logProbs.getFloat(0, t - 1, full[t]);
        }
        assertEquals(expected, scores.get(c).sum(), 1e-4, name + " candidate " + c);
        assertEquals(candidates.get(c).length, scores.get(c).tokens().length);
      }
    }
  }

  @ParameterizedTest
  @FieldSource("MODELS")
  void hooksRecordWithoutChangingLogits(String name) {
    var dir = TestModels.model(name);
    int[] ids = longest(ReferenceOutputs.read(dir)).inputIds();
    int last = ids.length - 1;
    try (CausalLM model = ModelLoader.standard().load(dir);
        NDManager scope = model.manager().newSubManager()) {
      int layers = model.config().numLayers();
      NDArray input = scope.create(ids, new Shape(1, ids.length));
      float[] plain = model.forward(scope, input, ForwardOptions.NONE).toFloatArray();
      AttentionRecorder recorder =
          new AttentionRecorder(IntStream.range(0, layers).boxed().toList(), List.of(last));
      float[] hooked =
          model.forward(scope, input, ForwardOptions.NONE.observe(recorder)).toFloatArray();
      assertArrayEquals(plain, hooked, 0f, "recording must not change logits");
      // The same position reached through a KV cache records the same attention.
      AttentionRecorder cached =
          new AttentionRecorder(IntStream.range(0, layers).boxed().toList(), List.of(last));
      try (KvCache cache = model.newCache(scope)) {
        model.forward(scope, input.get(":, :-1"), ForwardOptions.withCache(cache));
        model.forward(scope, input.get(":, -1:"), ForwardOptions.withCache(cache).observe(cached));
      }
      for (int layer = 0; layer < layers; layer++) {
        AttentionRecord a = recorder.get(layer, 0, last).orElseThrow();
        AttentionRecord b = cached.get(layer, 0, last).orElseThrow();
        assertNotNull(a.output());
        assertEquals(model.config().hiddenSize(), a.output().length);
        assertEquals(model.config().numHeads(), a.scores().length);
        assertEquals(ids.length, a.scores()[0].length);
        // Relative above 1: attention outputs reach ~10, where 1e-5 absolute is a few ulps.
        Tolerances.assertClose(a.output(), b.output(), 3e-5, name + " layer " + layer + " output");
        for (int h = 0; h < a.scores().length; h++) {
          Tolerances.assertClose(a.scores()[h], b.scores()[h], 3e-5, "scores head " + h);
          double sum = 0;
          for (float p : a.probs()[h]) {
            sum += p;
          }
          assertEquals(1.0, sum, 1e-5, "probabilities of head " + h + " sum to 1");
        }
      }
      assertEquals(layers, recorder.all().size());
    }
  }
}
