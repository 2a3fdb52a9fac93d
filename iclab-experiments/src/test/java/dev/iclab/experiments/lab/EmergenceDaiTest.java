package dev.iclab.experiments.lab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.IclabException;
import dev.iclab.analysis.LrTrial;
import dev.iclab.analysis.SampleLine;
import dev.iclab.analysis.SettingRecord;
import dev.iclab.analysis.lab.Binomial;
import dev.iclab.analysis.lab.CheckpointMetrics;
import dev.iclab.analysis.lab.EmergenceDaiConfig;
import dev.iclab.emergence.EmergenceRun;
import dev.iclab.emergence.Preset;
import dev.iclab.emergence.RunSetup;
import dev.iclab.emergence.RunSpec;
import dev.iclab.emergence.Settings;
import dev.iclab.emergence.eval.Accuracies;
import dev.iclab.emergence.model.SequenceModel;
import dev.iclab.emergence.train.KeptWeights;
import dev.iclab.experiments.dai.DaiExperiment;
import dev.iclab.tensor.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Dai et al.'s comparison on tiny emergence runs of a few steps. */
class EmergenceDaiTest {
  private static final DaiExperiment.Listener QUIET = new DaiExperiment.Listener() {};
  private static final int EVAL_SIZE = 32;

  @TempDir static Path runs;
  static Path transformer;
  static RunSpec spec;

  @BeforeAll
  static void trainTinyRun() {
    transformer = runs.resolve("transformer");
    spec = tiny().toSpec("t");
    EmergenceRun.run(spec, transformer, false, Map.of(), new EmergenceRun.Listener() {});
  }

  private static Settings tiny() {
    return Settings.of(Preset.QUICK)
        .with("classes", "256")
        .with("batch", "16")
        .with("width", "32")
        .with("eval-size", String.valueOf(EVAL_SIZE))
        .with("eval-every", "5")
        .with("steps", "10")
        .with("keep-checkpoints", "true");
  }

  private static EmergenceDaiConfig config(int episodes) {
    return new EmergenceDaiConfig(transformer.toString(), "all", episodes, 0.5, List.of(), 4, 1);
  }

  @Test
  void fineTuningChangesOnlyTheKeyAndValueProjections() {
    RunSetup setup = RunSetup.of(spec);
    LabEpisodes episodes = LabEpisodes.of(setup, 2, setup.seeds().eval());
    try (NDManager root = Tensors.newManager();
        SequenceModel model = SequenceModel.create(setup.modelConfig(), root, 5)) {
      KeptWeights.load(transformer, 10, model.parameters(), root);
      List<float[]> base = model.parameters().arrays().stream().map(NDArray::toFloatArray).toList();
      try (BatchedKvFineTuner ft = new BatchedKvFineTuner(model, root, 7);
          BatchedKvFineTuner.Copies copies =
              ft.train(episodes, new int[] {0, 1}, new float[] {0.5f, 0.5f})) {
        assertEquals(episodes.pairs(), copies.losses()[0].length, "one SGD step per demonstration");
        // The shared model the copies run on is the base, bit for bit; only the rows' own
        // projections differ, and of those only the K and V rows.
        for (int i = 0; i < base.size(); i++) {
          String name = model.parameters().names().get(i);
          assertArrayEquals(
              base.get(i), ft.frozen().parameters().arrays().get(i).toFloatArray(), name);
        }
        int width = spec.width();
        int changed = 0;
        for (int l = 0; l < spec.layers(); l++) {
          for (String kind : List.of("weight", "bias")) {
            String name = "block%d.qkv.%s".formatted(l, kind);
            float[] before = base.get(model.parameters().names().indexOf(name));
            NDArray tuned =
                kind.equals("weight")
                    ? copies.projections().weights().get(l)
                    : copies.projections().biases().get(l);
            float[] after = tuned.toFloatArray();
            int perRow = kind.equals("weight") ? width : 1;
            for (int r = 0; r < 2; r++) {
              int offset = r * before.length;
              // Q rows: the first width rows of the fused [3 * width, width] projection (and bias).
              for (int j = 0; j < width * perRow; j++) {
                assertEquals(before[j], after[offset + j], name + " Q entry " + j + " is frozen");
              }
              for (int j = width * perRow; j < before.length; j++) {
                changed += before[j] != after[offset + j] ? 1 : 0;
              }
            }
          }
        }
        assertTrue(changed > 0, "K/V entries change");
      }
    }
  }

  /**
   * Batched fine-tuning equals the copies trained one at a time (the reference {@link
   * LabKvFineTuner}): the same losses, weights, label scores and recorded attention outputs within
   * float rounding, for rows of different episodes and rates, in batches of any size; with the loss
   * through autograd and with the chunked loss of wide heads (here one row per block).
   */
  @ParameterizedTest(name = "logits per loss block: {0} (0: the whole logits through autograd)")
  @ValueSource(longs = {0, 40})
  void batchedFineTuningEqualsOneCopyAtATime(long blockElements) {
    RunSetup setup = RunSetup.of(spec);
    int n = 6;
    LabEpisodes episodes = LabEpisodes.of(setup, n, setup.seeds().eval());
    int[] rows = {0, 1, 2, 3, 4, 5, 2};
    float[] rates = {0.5f, 0.05f, 0.5f, 2f, 0.5f, 0.05f, 2f};
    try (NDManager root = Tensors.newManager();
        SequenceModel model = SequenceModel.create(setup.modelConfig(), root, 5)) {
      KeptWeights.load(transformer, 10, model.parameters(), root);
      List<SettingRecord> batched;
      List<SettingRecord> inTwos = new ArrayList<>();
      double[][] batchedLosses;
      List<float[]> batchedWeights = new ArrayList<>();
      try (BatchedKvFineTuner ft = new BatchedKvFineTuner(model, root, 7, blockElements)) {
        try (BatchedKvFineTuner.Copies copies = ft.train(episodes, rows, rates)) {
          batched = copies.probe(episodes, rows, true);
          batchedLosses = copies.losses();
          for (int l = 0; l < spec.layers(); l++) {
            batchedWeights.add(copies.projections().weights().get(l).toFloatArray());
            batchedWeights.add(copies.projections().biases().get(l).toFloatArray());
          }
        }
        for (int first = 0; first < rows.length; first += 2) {
          int[] part = java.util.Arrays.copyOfRange(rows, first, Math.min(rows.length, first + 2));
          float[] partRates =
              java.util.Arrays.copyOfRange(rates, first, Math.min(rows.length, first + 2));
          try (BatchedKvFineTuner.Copies copies = ft.train(episodes, part, partRates)) {
            inTwos.addAll(copies.probe(episodes, part, true));
          }
        }
      }
      try (LabKvFineTuner one = new LabKvFineTuner(model, root, 7)) {
        LabProbe probe = new LabProbe(one.model(), root, episodes.tokens(), episodes.inputDim());
        for (int r = 0; r < rows.length; r++) {
          int e = rows[r];
          one.reset();
          List<Double> losses =
              one.train(
                  episodes.demosOf(e),
                  episodes.demoLabelsOf(e),
                  episodes.tokens(),
                  episodes.inputDim(),
                  rates[r]);
          for (int d = 0; d < losses.size(); d++) {
            assertEquals(losses.get(d), batchedLosses[r][d], 1e-5, "row " + r + " step " + d);
          }
          for (int l = 0; l < spec.layers(); l++) {
            for (int k = 0; k < 2; k++) {
              String name = "block%d.qkv.%s".formatted(l, k == 0 ? "weight" : "bias");
              float[] alone =
                  one.model()
                      .parameters()
                      .arrays()
                      .get(one.model().parameters().names().indexOf(name))
                      .toFloatArray();
              float[] all = batchedWeights.get(2 * l + k);
              assertArrayEquals(
                  alone,
                  java.util.Arrays.copyOfRange(all, r * alone.length, (r + 1) * alone.length),
                  1e-5f,
                  name + " of row " + r);
            }
          }
          SettingRecord reference = probe.run(episodes.zslOf(e), 1).get(0);
          for (SettingRecord got : List.of(batched.get(r), inTwos.get(r))) {
            assertArrayEquals(reference.labelLogProbs(), got.labelLogProbs(), 1e-5, "row " + r);
            for (int l = 0; l < spec.layers(); l++) {
              assertArrayEquals(reference.outputs()[l], got.outputs()[l], 1e-5f, "row " + r);
              assertArrayEquals(
                  reference.queryScores()[l][0], got.queryScores()[l][0], 1e-5f, "row " + r);
            }
          }
        }
      }
      assertFalse(
          java.util.Arrays.equals(batched.get(0).outputs()[0], batched.get(1).outputs()[0]),
          "rows of other episodes and rates differ");
    }
  }

  /** Fine-tuning and probing batch after batch leave no native arrays behind. */
  @Test
  void batchesLeakNoNativeArrays() {
    RunSetup setup = RunSetup.of(spec);
    LabEpisodes episodes = LabEpisodes.of(setup, 6, setup.seeds().eval());
    try (NDManager root = Tensors.newManager();
        SequenceModel model = SequenceModel.create(setup.modelConfig(), root, 5);
        BatchedKvFineTuner ft = new BatchedKvFineTuner(model, root, 7)) {
      int[] before = null;
      for (int e = 0; e < 5; e++) {
        int[] rows = {e, e + 1};
        try (BatchedKvFineTuner.Copies copies = ft.train(episodes, rows, new float[] {0.1f, 1f})) {
          copies.probe(episodes, rows, true);
        }
        int[] now = {
          root.getManagedArrays().size(),
          model.manager().getManagedArrays().size(),
          ft.frozen().manager().getManagedArrays().size()
        };
        if (e == 1) {
          before = now;
        } else if (e > 1) {
          assertArrayEquals(before, now, "arrays held after batch " + e);
        }
      }
    }
  }

  @Test
  void aFolderWithoutARunOrWithoutKeptWeightsIsRefused(@TempDir Path dir) {
    IclabException none =
        assertThrows(
            IclabException.class,
            () ->
                new EmergenceDai(
                    new EmergenceDaiConfig(dir.toString(), "all", 4, 0.1, List.of(), 4, 1)));
    assertTrue(none.getMessage().contains("has no run.json"), none.getMessage());
    Path unkept = dir.resolve("unkept");
    EmergenceRun.run(
        tiny().with("keep-checkpoints", "false").with("steps", "2").toSpec("u"),
        unkept,
        false,
        Map.of(),
        new EmergenceRun.Listener() {});
    IclabException weights =
        assertThrows(
            IclabException.class,
            () ->
                new EmergenceDai(
                    new EmergenceDaiConfig(unkept.toString(), "all", 4, 0.1, List.of(), 4, 1)));
    assertTrue(weights.getMessage().contains("--keep-checkpoints"), weights.getMessage());
  }

  @Test
  @SuppressWarnings("try") // the NDScope frees what the plain forward made
  void recordsEqualAPlainForwardAndIclAccuracyEqualsTheLabsOwn() {
    RunSetup setup = RunSetup.of(spec);
    LabEpisodes episodes = LabEpisodes.of(setup, EVAL_SIZE, setup.seeds().eval());
    try (NDManager root = Tensors.newManager();
        SequenceModel model = SequenceModel.create(setup.modelConfig(), root, 5)) {
      KeptWeights.load(transformer, 10, model.parameters(), root);
      LabProbe probe = new LabProbe(model, root, episodes.tokens(), episodes.inputDim());
      List<SettingRecord> icl = probe.run(episodes.icl(), EVAL_SIZE);
      float[] plain;
      try (NDScope scope = new NDScope();
          NDManager step = root.newSubManager()) {
        NDArray x =
            step.create(
                episodes.icl(), new Shape(EVAL_SIZE, episodes.tokens(), episodes.inputDim()));
        plain = model.logits(x, -1, null).logSoftmax(-1).get(":, :2").toFloatArray();
      }
      int right = 0;
      for (int e = 0; e < EVAL_SIZE; e++) {
        for (int k = 0; k < 2; k++) {
          assertEquals(plain[2 * e + k], icl.get(e).labelLogProbs()[k], 1e-5, "episode " + e);
        }
        right += icl.get(e).prediction() == episodes.labels()[e] ? 1 : 0;
      }
      Accuracies lab = setup.evaluator().evaluate(model, root);
      assertEquals(lab.icl(), (double) right / EVAL_SIZE, 1e-12, "the lab's own ICL evaluation");
      // One episode alone records what the batch recorded for it.
      SettingRecord alone = probe.run(episodes.zslOf(3), 1).get(0);
      SettingRecord inBatch = probe.run(episodes.zsl(), EVAL_SIZE).get(3);
      for (int l = 0; l < spec.layers(); l++) {
        assertArrayEquals(inBatch.outputs()[l], alone.outputs()[l], 1e-5f, "layer " + l);
        assertEquals(1, alone.queryScores()[l][0].length, "the query is one token");
      }
    }
  }

  @Test
  void demonstrationsAreTheContextItemsAsQueries() {
    RunSetup setup = RunSetup.of(spec);
    LabEpisodes episodes = LabEpisodes.of(setup, 3, setup.seeds().eval());
    int dim = episodes.inputDim();
    int length = episodes.sequenceLength();
    int query = (episodes.tokens() - 1) * dim;
    for (int e = 0; e < 3; e++) {
      float[] demos = episodes.demosOf(e);
      for (int i = 0; i < episodes.pairs(); i++) {
        // paired format: context token i holds the item and label + 1 in its last slot
        int token = e * length + i * dim;
        for (int j = 0; j < dim - 1; j++) {
          assertEquals(episodes.icl()[token + j], demos[i * length + query + j], "item " + i);
        }
        assertEquals(episodes.icl()[token + dim - 1], episodes.demoLabelsOf(e)[i] + 1f);
        assertEquals(0f, demos[i * length + query + dim - 1], "the query carries no label");
        for (int j = 0; j < query; j++) {
          assertEquals(0f, demos[i * length + j], "blank context");
        }
      }
    }
  }

  @Test
  void theSameEpisodesAtEveryCheckpointAndCountsThatAddUp(@TempDir Path out) throws Exception {
    List<CheckpointMetrics> result =
        EmergenceDaiRun.run(config(EVAL_SIZE), out, false, Map.of(), "test", QUIET);
    assertEquals(List.of(0L, 5L, 10L), result.stream().map(CheckpointMetrics::step).toList());
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> lines =
        Files.readAllLines(out.resolve("samples.jsonl")).stream().map(l -> read(json, l)).toList();
    assertEquals(3 * EVAL_SIZE, lines.size());
    for (int e = 0; e < EVAL_SIZE; e++) {
      for (int c = 1; c < 3; c++) {
        assertEquals(lines.get(e).path("label"), lines.get(c * EVAL_SIZE + e).path("label"));
        assertEquals(
            lines.get(e).path("simaou_random").size(),
            lines.get(c * EVAL_SIZE + e).path("simaou_random").size());
      }
    }
    JsonNode metrics = json.readTree(out.resolve("metrics.json").toFile());
    for (JsonNode c : metrics.path("checkpoints")) {
      long step = c.path("step").asLong();
      List<JsonNode> mine = lines.stream().filter(l -> l.path("step").asLong() == step).toList();
      long f2t = mine.stream().filter(l -> l.path("f2t").asBoolean()).count();
      assertEquals(f2t, c.path("n_f2t").asLong());
      assertTrue(c.path("n_f2t").asInt() <= c.path("n_ft_fixes").asInt());
      long iclRight =
          mine.stream().filter(l -> l.path("icl_pred").asInt() == l.path("label").asInt()).count();
      assertEquals(iclRight / (double) EVAL_SIZE, c.path("icl_acc").asDouble(), 1e-12);
      JsonNode counts = c.path("all").path("label_counts");
      for (String setting : List.of("gold", "zsl", "icl", "ft")) {
        assertEquals(
            EVAL_SIZE, counts.path(setting).get(0).asInt() + counts.path(setting).get(1).asInt());
      }
      assertEquals(spec.layers(), c.path("simaou_per_layer").size());
      assertTrue(c.path("simam").isNull(), "SimAM is undefined on a one-token query");
      assertTrue(c.path("simaou_mismatched").isNumber());
      assertEquals(0.5, c.path("ft_lr").asDouble());
      assertTrue(
          c.path("zsl_chance_p").asDouble() > 0.01, "ZSL is at chance: the context is blank");
    }
    assertTrue(metrics.path("checkpoints").get(0).path("lab_icl_acc").isNull(), "no step 0 eval");
    assertEquals(
        metrics.path("checkpoints").get(0).path("simaou"),
        metrics.path("step0_baseline").path("simaou"));
    for (String f : List.of("report.html", "report.md", "accuracy.png", "rec2ftp.png")) {
      assertTrue(Files.size(out.resolve(f)) > 0, f);
    }
    assertTrue(Files.size(out.resolve("simaou.png")) > 0);
  }

  @Test
  void aResumedRunEqualsAnUninterruptedOneLineForLine(@TempDir Path dir) throws Exception {
    EmergenceDaiConfig config =
        new EmergenceDaiConfig(
            transformer.toString(), "0,10", 8, null, List.of(0.05, 0.5, 5.0), 4, 1);
    Path straight = dir.resolve("straight");
    EmergenceDaiRun.run(config, straight, false, Map.of(), "test", QUIET);
    Path interrupted = dir.resolve("interrupted");
    DaiExperiment.Listener stopAtStep10 =
        new DaiExperiment.Listener() {
          @Override
          public void phase(String name, long steps) {
            if (name.startsWith("step 10: fine-tune")) {
              throw new IllegalStateException("killed");
            }
          }
        };
    assertThrows(
        IllegalStateException.class,
        () -> EmergenceDaiRun.run(config, interrupted, false, Map.of(), "test", stopAtStep10));
    assertTrue(Files.exists(interrupted.resolve("steps/step-000000.json")), "step 0 was kept");
    assertFalse(Files.exists(interrupted.resolve("metrics.json")));
    IclabException fresh =
        assertThrows(
            IclabException.class,
            () -> EmergenceDaiRun.run(config, interrupted, false, Map.of(), "test", QUIET));
    assertTrue(fresh.getMessage().contains("--resume"), fresh.getMessage());
    EmergenceDaiRun.run(config, interrupted, true, Map.of(), "test", QUIET);
    for (String f : List.of("samples.jsonl", "metrics.jsonl")) {
      assertEquals(
          Files.readString(straight.resolve(f)), Files.readString(interrupted.resolve(f)), f);
    }
    JsonNode first =
        new ObjectMapper().readTree(Files.readAllLines(straight.resolve("metrics.jsonl")).get(0));
    assertEquals(3, first.path("lr_search").size(), "the search is recorded");
    JsonNode seconds =
        new ObjectMapper().readTree(interrupted.resolve("metrics.json").toFile()).path("seconds");
    assertTrue(seconds.path("ft").asDouble() > 0, "time of checkpoints computed before the stop");
    double best = DaiExperiment.best(trials(first.path("lr_search")));
    assertEquals(best, first.path("ft_lr").asDouble());
  }

  @Test
  void anLstmRunIsRefusedWithOneLine(@TempDir Path dir) {
    Path lstm = dir.resolve("lstm");
    EmergenceRun.run(
        tiny().with("arch", "lstm").with("steps", "2").with("eval-every", "2").toSpec("l"),
        lstm,
        false,
        Map.of(),
        new EmergenceRun.Listener() {});
    IclabException e =
        assertThrows(
            IclabException.class,
            () ->
                new EmergenceDai(
                    new EmergenceDaiConfig(lstm.toString(), "all", 4, 0.1, List.of(), 4, 1)));
    assertTrue(e.getMessage().contains("is an lstm run") && e.getMessage().contains("attention"));
    assertFalse(e.getMessage().contains("\n"));
    assertFalse(Files.exists(dir.resolve("out")));
  }

  @Test
  void checkpointsAreChosenAmongTheKeptOnes() {
    List<Long> kept = List.of(0L, 5L, 10L);
    assertEquals(kept, EmergenceDai.select("all", kept, "r"));
    assertEquals(List.of(10L), EmergenceDai.select("last", kept, "r"));
    assertEquals(List.of(0L, 10L), EmergenceDai.select("10, 0", kept, "r"));
    IclabException missing =
        assertThrows(IclabException.class, () -> EmergenceDai.select("7", kept, "r"));
    assertTrue(missing.getMessage().contains("[0, 5, 10]"), missing.getMessage());
    IclabException both =
        assertThrows(
            IclabException.class,
            () -> new EmergenceDaiConfig("r", "all", 4, 0.1, List.of(0.1), 4, 1));
    assertTrue(both.getMessage().contains("exactly one of --ft-lr"), both.getMessage());
  }

  /** The report marks the first step whose ICL accuracy reaches 0.9. */
  @Test
  void theReportMarksWhereIclReachesNinetyPercent(@TempDir Path out) throws Exception {
    List<CheckpointMetrics> checkpoints = new ArrayList<>();
    for (long step : List.of(0L, 50L, 100L)) {
      List<SampleLine> lines = new ArrayList<>();
      for (int e = 0; e < 10; e++) {
        boolean iclRight = step > 0 && (step == 100 || e < 5);
        double[] right = {0, -1};
        double[] wrong = {-1, 0};
        lines.add(
            new SampleLine(
                "s",
                e,
                String.valueOf(e),
                0,
                wrong,
                iclRight ? right : wrong,
                right,
                new double[] {0.5},
                new double[] {0},
                String.valueOf(e == 0 ? 1 : e - 1),
                new double[] {0.1},
                new double[] {Double.NaN},
                new double[] {Double.NaN}));
      }
      checkpoints.add(
          new CheckpointMetrics(
              step,
              0.1,
              List.of(),
              1,
              dev.iclab.analysis.DaiMetrics.all(lines, 1),
              dev.iclab.analysis.DaiMetrics.f2t(lines, 1),
              Double.NaN));
    }
    assertEquals(100, CheckpointMetrics.iclCrossing(checkpoints));
    dev.iclab.analysis.report.DaiCurvesReport.write(out, "t", checkpoints, List.of("n"), "c");
    assertTrue(
        Files.readString(out.resolve("report.md")).contains("first reaches 90% at step 100"));
    assertEquals(-1, CheckpointMetrics.iclCrossing(checkpoints.subList(0, 2)));
  }

  /**
   * On a bursty model trained until it learns in context (the quick preset's first 100 steps: the
   * lab's own ICL accuracy reaches 0.9), ZSL on holdout episodes stays at chance (binomial test
   * against 1/2, p > 0.01): with a blank context the re-assigned labels cannot be known, while ICL
   * on the same episodes is far above chance.
   */
  @Test
  void onATrainedBurstyModelZslIsAtChanceAndIclIsNot(@TempDir Path dir) throws Exception {
    Path run = dir.resolve("trained");
    int episodes = 200;
    EmergenceRun.run(
        Settings.of(Preset.QUICK)
            .with("steps", "100")
            .with("eval-every", "100")
            .with("eval-size", String.valueOf(episodes))
            .with("keep-checkpoints", "true")
            .toSpec("trained"),
        run,
        false,
        Map.of(),
        new EmergenceRun.Listener() {});
    List<CheckpointMetrics> result =
        EmergenceDaiRun.run(
            new EmergenceDaiConfig(run.toString(), "100", episodes, 0.1, List.of(), 4, 1),
            dir.resolve("dai"),
            false,
            Map.of(),
            "test",
            QUIET);
    JsonNode c = result.get(0).toJson();
    assertTrue(c.path("lab_icl_acc").asDouble() >= 0.9, "trained to learn in context: " + c);
    assertTrue(c.path("icl_acc").asDouble() >= 0.9, c.toString());
    double p = c.path("zsl_chance_p").asDouble();
    int zslRight = (int) Math.round(c.path("zsl_acc").asDouble() * episodes);
    assertEquals(Binomial.twoSidedHalf(zslRight, episodes), p, 1e-12);
    assertTrue(p > 0.01, "ZSL at chance: " + c.path("zsl_acc") + ", p = " + p);
    assertTrue(
        Binomial.twoSidedHalf((int) Math.round(c.path("icl_acc").asDouble() * episodes), episodes)
            < 1e-6,
        "ICL is not");
  }

  @Test
  void binomialTestAgainstChance() {
    assertEquals(2.0 / 1024, Binomial.twoSidedHalf(0, 10), 1e-15);
    assertEquals(1.0, Binomial.twoSidedHalf(5, 10), 1e-12);
    assertEquals(0.04138946533203125, Binomial.twoSidedHalf(15, 20), 1e-12);
    assertEquals(Binomial.twoSidedHalf(5, 20), Binomial.twoSidedHalf(15, 20), 1e-15);
    assertNotEquals(0.0, Binomial.twoSidedHalf(250, 500));
  }

  private static List<LrTrial> trials(JsonNode array) {
    return java.util.stream.StreamSupport.stream(array.spliterator(), false)
        .map(
            t ->
                new LrTrial(
                    t.path("lr").asDouble(),
                    t.path("dev_accuracy").asDouble(),
                    t.path("dev_loss").asDouble(),
                    t.path("failure").isTextual() ? t.path("failure").asText() : null))
        .toList();
  }

  private static JsonNode read(ObjectMapper json, String line) {
    try {
      return json.readTree(line);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
