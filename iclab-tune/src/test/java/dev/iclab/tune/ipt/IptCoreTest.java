package dev.iclab.tune.ipt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.TestModels;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.config.ConfigException;
import dev.iclab.lm.score.ContinuationScore;
import dev.iclab.lm.score.Scorer;
import dev.iclab.tune.BatchLoss;
import dev.iclab.tune.MethodOptions;
import dev.iclab.tune.Trainer;
import dev.iclab.tune.TrainingConfig;
import dev.iclab.tune.TrainingExample;
import dev.iclab.tune.Tuner;
import dev.iclab.tune.TunerRegistry;
import dev.iclab.tune.prompt.PromptConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Intrinsic prompt tuning's pieces on TinyStories: shapes, the MSF loss, IST, resuming MSF. */
class IptCoreTest {
  private static final int P = 2;

  static CausalLM model() {
    return ModelLoader.standard().load(TestModels.model("tinystories-656k"), Device.cpu(), true);
  }

  /** Seeded queries: 10 random context tokens, two one-token label words, alternating gold. */
  static List<LabeledQuery> queries(int count, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<LabeledQuery> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int[] context = new int[10];
      for (int t = 0; t < context.length; t++) {
        context[t] = 3 + random.nextInt(2000);
      }
      out.add(new LabeledQuery(context, List.of(new int[] {100}, new int[] {200}), i % 2));
    }
    return out;
  }

  static List<TrainingExample> examples(List<LabeledQuery> queries) {
    return queries.stream().map(LabeledQuery::trainingExample).toList();
  }

  @Test
  void queryScoresEqualTheCachedScorerWhenNoPromptIsActive() {
    List<LabeledQuery> queries = queries(6, 11);
    try (CausalLM model = model();
        Tuner full = TunerRegistry.standard().create("full", model, MethodOptions.defaults(1))) {
      Scorer cached = new Scorer(model);
      int correct = 0;
      for (LabeledQuery q : queries) {
        double[] rows = QueryAccuracy.scores(full, q);
        List<ContinuationScore> reference = cached.score(q.context(), q.candidates());
        int best = 0;
        for (int c = 0; c < rows.length; c++) {
          assertEquals(reference.get(c).sum(), rows[c], 1e-4, "candidate " + c);
          best = reference.get(c).sum() > reference.get(best).sum() ? c : best;
        }
        correct += best == q.label() ? 1 : 0;
      }
      assertEquals((double) correct / queries.size(), QueryAccuracy.of(full, queries), 1e-12);
    }
  }

  @Test
  void encoderAndDecoderHaveThePapersShapes() {
    SubspaceShape s = new SubspaceShape(P, 128, 5, 16);
    try (CausalLM model = model();
        PromptAutoEncoder ae = PromptAutoEncoder.create(model.manager(), s, 1);
        NDManager scope = model.manager().newSubManager()) {
      NDArray prompts = scope.ones(new Shape(3, P * 128));
      NDArray z = ae.encode(scope, prompts);
      assertEquals(new Shape(3, 5), z.getShape());
      assertEquals(new Shape(3, P * 128), ae.decode(scope, z).getShape());
      Map<String, Shape> shapes = new LinkedHashMap<>();
      ae.parameters().forEach(p -> shapes.put(p.name(), p.array().getShape()));
      assertEquals(new Shape(5, 16), shapes.get("decoder.0.weight"));
      assertEquals(new Shape(16), shapes.get("decoder.0.bias"));
      assertEquals(new Shape(16, P * 128), shapes.get("decoder.2.weight"));
      assertEquals(new Shape(P * 128), shapes.get("decoder.2.bias"));
      assertEquals(new Shape(P * 128, 16), shapes.get("encoder.0.weight"));
      assertEquals(new Shape(16, 5), shapes.get("encoder.2.weight"));
      assertEquals(4, ae.decoderParameters().size());
      // the hidden layer is tanh: decoding a zero vector gives W2 tanh(b1) + b2
      float[] b1 = ae.values().get("decoder.0.bias");
      float[] w2 = ae.values().get("decoder.2.weight");
      float[] b2 = ae.values().get("decoder.2.bias");
      float[] decoded = ae.decode(scope, scope.zeros(new Shape(1, 5))).toFloatArray();
      for (int j = 0; j < P * 128; j += 37) {
        double expected = b2[j];
        for (int h = 0; h < 16; h++) {
          expected += Math.tanh(b1[h]) * w2[h * P * 128 + j];
        }
        assertEquals(expected, decoded[j], 1e-5, "output " + j);
      }
    }
    assertThrows(ConfigException.class, () -> new SubspaceShape(P, 128, 0, 16));
  }

  @Test
  void msfLossIsTheLmLossOfTheReconstructionPlusAlphaTimesMse() {
    SubspaceShape s = new SubspaceShape(P, 128, 3, 8);
    int flat = s.flat();
    // a decoder whose output is its last bias, whatever z: the reconstruction is known exactly
    Map<String, float[]> values = new LinkedHashMap<>();
    SplittableRandom random = new SplittableRandom(5);
    for (var e : PromptAutoEncoder.shapes(s).entrySet()) {
      int n = (int) java.util.Arrays.stream(e.getValue()).reduce(1, (a, b) -> a * b);
      float[] v = new float[n];
      if (!e.getKey().equals("decoder.2.weight")) {
        for (int i = 0; i < n; i++) {
          v[i] = (float) (random.nextDouble() * 0.2 - 0.1);
        }
      }
      values.put(e.getKey(), v);
    }
    float[] reconstruction = values.get("decoder.2.bias");
    float[] prompt = new float[flat];
    double squared = 0;
    for (int i = 0; i < flat; i++) {
      prompt[i] = (float) (random.nextDouble() * 0.2 - 0.1);
      double d = prompt[i] - reconstruction[i];
      squared += d * d;
    }
    double mse = squared / flat;
    List<TrainingExample> batch = examples(queries(3, 2));
    try (CausalLM model = model();
        PromptAutoEncoder ae = PromptAutoEncoder.of(model.manager(), s, values);
        NDManager scope = model.manager().newSubManager()) {
      NDArray p = scope.create(prompt, new Shape(1, flat));
      MsfLoss loss = MsfLoss.of(scope, model, ae, p, batch, 200, 0.1);
      NDArray fixed = scope.create(reconstruction, new Shape(1, P, 128));
      double lm =
          BatchLoss.batchLoss(scope, new DecodedPrompt(model, fixed), batch, 0.1).getFloat();
      double plain =
          BatchLoss.batchLoss(scope, new DecodedPrompt(model, fixed), batch, 0).getFloat();
      assertTrue(Math.abs(lm - plain) > 1e-3, "label smoothing 0.1 is in the LM term");
      assertEquals(mse, loss.mse().getFloat(), 1e-8);
      assertEquals(lm, loss.lm().getFloat(), 1e-5);
      assertEquals(lm + 200 * mse, loss.total().getFloat(), 1e-4);
    }
  }

  @Test
  void istChangesOnlyTheIntrinsicVector() {
    SubspaceShape s = new SubspaceShape(P, 128, 4, 8);
    List<TrainingExample> data = examples(queries(6, 3));
    try (CausalLM model = model();
        PromptAutoEncoder ae = PromptAutoEncoder.create(model.manager(), s, 2);
        IntrinsicTuner ist = new IntrinsicTuner(model, ae, new float[4])) {
      Map<String, float[]> weights = new LinkedHashMap<>();
      model.parameters().forEach((k, v) -> weights.put(k, v.toFloatArray()));
      Map<String, float[]> decoder = ae.values();
      double before = BatchLoss.evaluate(ist, data, 6);
      try (Trainer trainer = new Trainer(ist, TrainingConfig.adamw(0.1, 2, 1), data.size())) {
        trainer.train(data, p -> {});
      }
      double after = BatchLoss.evaluate(ist, data, 6);
      assertTrue(after < before, "IST lowers the loss: " + before + " -> " + after);
      assertFalse(java.util.Arrays.equals(new float[4], ist.vector()), "z moved");
      model.parameters().forEach((k, v) -> assertArrayEquals(weights.get(k), v.toFloatArray(), k));
      ae.values().forEach((k, v) -> assertArrayEquals(decoder.get(k), v, k));
      assertEquals(1, ist.parameters().size());
    }
  }

  /**
   * With d_I = P*d and a decoder that is the identity up to O(eps^2) (eps I, tanh, I / eps), IST
   * started from PT's initial prompt follows PT's path: same final loss within tolerance.
   */
  @Test
  void istWithAnIdentityDecoderReachesPromptTuningsLoss() {
    int flat = P * 128;
    SubspaceShape s = new SubspaceShape(P, 128, flat, flat);
    float eps = 1e-3f;
    Map<String, float[]> values = new LinkedHashMap<>();
    for (var e : PromptAutoEncoder.shapes(s).entrySet()) {
      int n = (int) java.util.Arrays.stream(e.getValue()).reduce(1, (a, b) -> a * b);
      values.put(e.getKey(), new float[n]);
    }
    for (int i = 0; i < flat; i++) {
      values.get("decoder.0.weight")[i * flat + i] = eps;
      values.get("decoder.2.weight")[i * flat + i] = 1 / eps;
    }
    List<TrainingExample> data = examples(queries(8, 4));
    TrainingConfig training = TrainingConfig.adamw(1e-2, 3, 1);
    MethodOptions options = MethodOptions.defaults(9).withPrompt(PromptConfig.vocab(P));
    try (CausalLM model = model();
        PromptAutoEncoder identity = PromptAutoEncoder.of(model.manager(), s, values)) {
      double ptLoss;
      double initialLoss;
      float[] start;
      try (Tuner pt = TunerRegistry.standard().create("prompt", model, options)) {
        start = pt.parameters().get(0).array().toFloatArray();
        initialLoss = BatchLoss.evaluate(pt, data, 8);
        try (Trainer trainer = new Trainer(pt, training, data.size())) {
          trainer.train(data, p -> {});
        }
        ptLoss = BatchLoss.evaluate(pt, data, 8);
      }
      try (IntrinsicTuner ist = new IntrinsicTuner(model, identity, start)) {
        assertEquals(initialLoss, BatchLoss.evaluate(ist, data, 8), 1e-3, "same start");
        try (Trainer trainer = new Trainer(ist, training, data.size())) {
          trainer.train(data, p -> {});
        }
        double istLoss = BatchLoss.evaluate(ist, data, 8);
        assertTrue(ptLoss < initialLoss - 0.05, "PT learns: " + initialLoss + " -> " + ptLoss);
        assertEquals(ptLoss, istLoss, 0.02 * initialLoss, "IST " + istLoss + " vs PT " + ptLoss);
      }
    }
  }

  @Test
  void resumedMsfEndsWhereAnUninterruptedOneDoes(@TempDir Path dir) {
    SubspaceShape s = new SubspaceShape(P, 128, 3, 8);
    MsfConfig config = new MsfConfig(6, 1e-3, 200, 0.1, 2, 1.0, 2, 11);
    try (CausalLM model = model()) {
      List<TaskPrompt> tasks = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        float[] prompt = dev.iclab.tune.Init.gaussian(t, s.flat(), 0.05);
        tasks.add(new TaskPrompt("t" + t, prompt, examples(queries(4, 20 + t))));
      }
      Map<String, float[]> uninterrupted;
      List<double[]> full;
      try (PromptAutoEncoder ae = PromptAutoEncoder.create(model.manager(), s, 1)) {
        full = new MsfTrainer(model, ae, config, tasks).train(null, p -> {});
        uninterrupted = ae.values();
      }
      Path checkpoint = dir.resolve("msf.safetensors");
      try (PromptAutoEncoder ae = PromptAutoEncoder.create(model.manager(), s, 1)) {
        var e =
            assertThrows(
                IllegalStateException.class,
                () ->
                    new MsfTrainer(model, ae, config, tasks)
                        .train(
                            checkpoint,
                            p -> {
                              if (p.step() == 5) {
                                throw new IllegalStateException("killed");
                              }
                            }));
        assertEquals("killed", e.getMessage());
      }
      assertTrue(Files.isRegularFile(checkpoint), "a checkpoint at step 4");
      try (PromptAutoEncoder ae = PromptAutoEncoder.create(model.manager(), s, 99)) {
        List<double[]> resumed =
            new MsfTrainer(model, ae, config, tasks).train(checkpoint, p -> {});
        ae.values().forEach((k, v) -> assertArrayEquals(uninterrupted.get(k), v, k));
        assertEquals(full.size(), resumed.size());
        for (int i = 0; i < full.size(); i++) {
          assertArrayEquals(full.get(i), resumed.get(i), 0.0, "step " + (i + 1));
        }
      }
      // every round visits each task once: the second round's loss is below the first's
      double first = full.get(0)[2] + full.get(1)[2] + full.get(2)[2];
      double second = full.get(3)[2] + full.get(4)[2] + full.get(5)[2];
      assertTrue(second < first, "the MSF loss falls: " + first + " -> " + second);
    }
  }

  @Test
  void autoEncoderSavesAndLoads(@TempDir Path dir) {
    SubspaceShape s = new SubspaceShape(P, 128, 3, 8);
    try (CausalLM model = model();
        PromptAutoEncoder ae = PromptAutoEncoder.create(model.manager(), s, 1)) {
      ae.save(dir.resolve("ae.safetensors"));
      try (PromptAutoEncoder back =
          PromptAutoEncoder.load(model.manager(), s, dir.resolve("ae.safetensors"))) {
        ae.values().forEach((k, v) -> assertArrayEquals(v, back.values().get(k), k));
      }
      var wrong = new SubspaceShape(P, 128, 5, 8);
      var e =
          assertThrows(
              dev.iclab.tune.peft.AdapterFormatException.class,
              () -> PromptAutoEncoder.load(model.manager(), wrong, dir.resolve("ae.safetensors")));
      assertTrue(e.getMessage().contains("encoder.2.weight"), e.getMessage());
    }
  }
}
