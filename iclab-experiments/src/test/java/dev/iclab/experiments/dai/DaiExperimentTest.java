package dev.iclab.experiments.dai;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.iclab.IclabException;
import dev.iclab.analysis.AnswerScore;
import dev.iclab.analysis.DaiConfig;
import dev.iclab.analysis.DaiMetrics;
import dev.iclab.analysis.LrTrial;
import dev.iclab.analysis.MismatchedPartner;
import dev.iclab.analysis.Probe;
import dev.iclab.analysis.RecordedPosition;
import dev.iclab.analysis.SampleLine;
import dev.iclab.analysis.SettingRecord;
import dev.iclab.analysis.metrics.Rec2Ftp;
import dev.iclab.lm.LanguageModel;
import dev.iclab.lm.TestModels;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ForwardOptions;
import dev.iclab.lm.cache.CachedPrefix;
import dev.iclab.lm.hooks.AttentionRecord;
import dev.iclab.lm.hooks.AttentionRecorder;
import dev.iclab.tensor.SharedAssets;
import dev.iclab.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DaiExperimentTest {
  static DaiConfig config(String model, String task, int shots, int limit, double lr) {
    return new DaiConfig(
        TestModels.model(model).toString(),
        task,
        null,
        SharedAssets.require("data").toString(),
        shots,
        "random",
        lr,
        1,
        limit,
        2000,
        RecordedPosition.OPTION0,
        AnswerScore.MEAN,
        "all",
        false,
        List.of(),
        50,
        false);
  }

  private static List<SampleLine> run(LanguageModel lm, DaiConfig config, String variant) {
    DaiExperiment experiment = new DaiExperiment(config, lm);
    List<SampleLine> lines = new ArrayList<>();
    experiment.run(
        variant, config.ftLr(), (v, id) -> false, lines::add, new DaiExperiment.Listener() {});
    return lines;
  }

  @ParameterizedTest
  @CsvSource({
    "tinystories-656k, sst2, 4",
    "tinystories-656k, cb, 1",
    "tiny-gpt2-random, sst2, 8",
    "tiny-gpt2-random, cb, 4"
  })
  void pipelineIsConsistentAndRepeatable(String model, String task, int shots) {
    DaiConfig config = config(model, task, shots, 50, 1e-3);
    try (LanguageModel lm = LanguageModel.open(TestModels.model(model), Tensors.device("cpu"))) {
      int layers = lm.model().config().numLayers();
      List<SampleLine> lines = run(lm, config, DaiExperiment.PRETRAINED);
      DaiExperiment experiment = new DaiExperiment(config, lm);
      assertEquals(50, experiment.queries().size());
      assertEquals(50 - experiment.leftOut(), lines.size(), "every query that fits is evaluated");
      java.util.Set<String> ids = new java.util.HashSet<>();
      lines.forEach(l -> ids.add(l.id()));
      for (SampleLine line : lines) {
        assertTrue(
            line.mismatchedWith() != null
                && !line.mismatchedWith().equals(line.id())
                && ids.contains(line.mismatchedWith()),
            "paired with another evaluated example: " + line.mismatchedWith());
        for (double[] perLayer :
            List.of(
                line.simAou(),
                line.simAouRandom(),
                line.simAouMismatched(),
                line.simAm(),
                line.simAmZsl())) {
          assertEquals(layers, perLayer.length);
          for (double v : perLayer) {
            assertTrue(v >= -1 - 1e-9 && v <= 1 + 1e-9, "a cosine: " + v);
          }
        }
      }
      DaiMetrics all = DaiMetrics.all(lines, layers);
      DaiMetrics f2t = DaiMetrics.f2t(lines, layers);
      long fixes = lines.stream().filter(l -> !l.zslRight() && l.ftRight()).count();
      long f2tCount =
          lines.stream().filter(l -> !l.zslRight() && l.ftRight() && l.iclRight()).count();
      assertEquals(fixes, all.rec2ftp().ftFixes());
      assertEquals(f2tCount, all.rec2ftp().iclAlsoRight());
      assertEquals(f2tCount, f2t.examples());
      assertEquals(f2tCount, f2t.rec2ftp().ftFixes(), "in F2T every example is an FT fix");
      assertEquals(lines.size(), all.examples());
      assertEquals(
          lines.stream().filter(SampleLine::iclRight).count() / (double) lines.size(),
          all.iclAccuracy(),
          1e-12);
      // A rerun with the same seed (on fewer queries: same order, same demonstrations, same
      // fine-tuning) reproduces the first lines exactly.
      List<SampleLine> again =
          run(lm, config(model, task, shots, 10, 1e-3), DaiExperiment.PRETRAINED);
      assertEquals(
          lines.stream().limit(again.size()).map(l -> l.toJson().toString()).toList(),
          again.stream().map(l -> l.toJson().toString()).toList(),
          "same config and seed, same samples");
    }
  }

  /**
   * The cached probe against one plain forward of the whole sequence: label scores (mean or sum of
   * the tokens' log-probabilities) and the attention recorded at the position's token. Label 0 has
   * two tokens, so {@code option0} must record at the second.
   */
  @ParameterizedTest
  @CsvSource({"OPTION0, MEAN", "OPTION0, SUM", "LAST, MEAN", "LABEL, SUM"})
  void recordedIclOutputEqualsAPlainForwardOfTheWholePrompt(
      RecordedPosition position, AnswerScore answerScore) {
    DaiConfig config = config("tinystories-656k", "sst2", 4, 3, 1e-3);
    try (LanguageModel lm =
        LanguageModel.open(TestModels.model("tinystories-656k"), Tensors.device("cpu"))) {
      CausalLM model = lm.model();
      DaiExperiment experiment = new DaiExperiment(config, lm);
      var tokenizer = lm.requireTokenizer();
      int[] prefix =
          tokenizer.encode(
              new dev.iclab.icl.Prompt(
                      "",
                      experiment.demos().stream().map(dev.iclab.icl.Demo::gold).toList(),
                      experiment.queries().get(0),
                      experiment.task().template(),
                      experiment.task().labelWords())
                  .prefixText());
      var query = experiment.queries().get(0);
      int[] queryIds = tokenizer.encode(experiment.task().template().render(query), false);
      int[][] labels = {{5, 7}, {6}};
      Probe probe = new Probe(model, List.of(labels), position, answerScore);
      SettingRecord cached;
      try (CachedPrefix cache = CachedPrefix.of(model, prefix)) {
        cached = probe.run(cache, queryIds, query.label());
      }
      int[] appended =
          switch (position) {
            case OPTION0 -> labels[0];
            case LAST -> new int[0];
            case LABEL -> new int[] {labels[query.label()][0]};
          };
      int[] prompt = IntStream.concat(IntStream.of(prefix), IntStream.of(queryIds)).toArray();
      int predictAt = prompt.length - 1;
      // label scores from a plain forward of the prompt with option 0's two tokens
      try (NDManager scope = model.manager().newSubManager()) {
        int[] withOption0 = IntStream.concat(IntStream.of(prompt), IntStream.of(5, 7)).toArray();
        NDArray logits =
            model.forward(
                scope,
                scope.create(withOption0, new Shape(1, withOption0.length)),
                ForwardOptions.NONE);
        float[] atPrompt = logits.get("0, " + predictAt).logSoftmax(-1).toFloatArray();
        float[] afterFirst = logits.get("0, " + (predictAt + 1)).logSoftmax(-1).toFloatArray();
        double option0 = (double) atPrompt[5] + afterFirst[7];
        assertEquals(
            answerScore == AnswerScore.MEAN ? option0 / 2 : option0,
            cached.labelLogProbs()[0],
            1e-4,
            "option 0: " + answerScore + " of its two tokens' log-probabilities");
        assertEquals(atPrompt[6], cached.labelLogProbs()[1], 1e-4);
      }
      int[] whole = IntStream.concat(IntStream.of(prompt), IntStream.of(appended)).toArray();
      int last = whole.length - 1;
      assertEquals(predictAt + appended.length, last);
      int layers = model.config().numLayers();
      AttentionRecorder recorder =
          new AttentionRecorder(IntStream.range(0, layers).boxed().toList(), List.of(last));
      try (NDManager scope = model.manager().newSubManager()) {
        model.forward(
            scope,
            scope.create(whole, new Shape(1, whole.length)),
            ForwardOptions.NONE.observe(recorder));
      }
      int keys = queryIds.length + appended.length;
      for (int layer = 0; layer < layers; layer++) {
        AttentionRecord plain = recorder.get(layer, 0, last).orElseThrow();
        assertArrayEquals(plain.output(), cached.outputs()[layer], 1e-4f);
        for (int h = 0; h < plain.scores().length; h++) {
          float[] row = plain.scores()[h];
          float[] tail = java.util.Arrays.copyOfRange(row, row.length - keys, row.length);
          assertEquals(keys, cached.queryScores()[layer][h].length);
          assertArrayEquals(tail, cached.queryScores()[layer][h], 1e-4f);
        }
      }
    }
  }

  @Test
  void fineTuningChangesOnlyKeyAndValueProjections() {
    DaiConfig config = config("tinystories-656k", "sst2", 4, 3, 1e-2);
    try (LanguageModel lm =
        LanguageModel.open(TestModels.model("tinystories-656k"), Tensors.device("cpu"))) {
      DaiExperiment experiment = new DaiExperiment(config, lm);
      List<Double> losses = new ArrayList<>();
      try (CausalLM ft =
          experiment.fineTuned(false, 1e-2, losses, new DaiExperiment.Listener() {})) {
        assertEquals(4, losses.size(), "one SGD step per demonstration");
        int changed = 0;
        for (Map.Entry<String, NDArray> e : lm.model().parameters().entrySet()) {
          float[] base = e.getValue().toFloatArray();
          float[] tuned = ft.parameters().get(e.getKey()).toFloatArray();
          boolean kv = e.getKey().contains("k_proj") || e.getKey().contains("v_proj");
          if (kv) {
            assertFalse(java.util.Arrays.equals(base, tuned), e.getKey() + " should have moved");
            changed++;
          } else {
            assertArrayEquals(base, tuned, 0f, e.getKey() + " must stay bit-identical");
          }
        }
        assertEquals(2 * lm.model().config().numLayers(), changed);
      }
    }
  }

  @Test
  void untrainedControlRunsOnRandomWeights() {
    DaiConfig config = config("tiny-gpt2-random", "sst2", 4, 10, 1e-3);
    try (LanguageModel lm =
        LanguageModel.open(TestModels.model("tiny-gpt2-random"), Tensors.device("cpu"))) {
      List<SampleLine> pretrained = run(lm, config, DaiExperiment.PRETRAINED);
      List<SampleLine> untrained = run(lm, config, DaiExperiment.UNTRAINED);
      assertEquals(pretrained.size(), untrained.size());
      assertFalse(
          java.util.Arrays.equals(pretrained.get(0).zsl(), untrained.get(0).zsl()),
          "the control has other weights");
      assertEquals(DaiExperiment.UNTRAINED, untrained.get(0).variant());
    }
  }

  @Test
  void refusesShotsThatDoNotFitAndSaysHowManyWould() {
    DaiConfig config = config("tinystories-656k", "sst2", 200, 3, 1e-3);
    try (LanguageModel lm =
        LanguageModel.open(TestModels.model("tinystories-656k"), Tensors.device("cpu"))) {
      IclabException e = assertThrows(IclabException.class, () -> new DaiExperiment(config, lm));
      assertTrue(e.getMessage().startsWith("--shots 200 does not fit"), e.getMessage());
      assertTrue(e.getMessage().matches("(?s).*use --shots \\d+ or fewer.*"), e.getMessage());
    }
  }

  @Test
  void aLearningRateThatMakesTheLossNanStopsWithAdvice() {
    DaiConfig config = config("tinystories-656k", "sst2", 4, 3, 3e38);
    try (LanguageModel lm =
        LanguageModel.open(TestModels.model("tinystories-656k"), Tensors.device("cpu"))) {
      IclabException e =
          assertThrows(IclabException.class, () -> run(lm, config, DaiExperiment.PRETRAINED));
      assertTrue(e.getMessage().contains("--ft-lr 3.0E38"), e.getMessage());
      assertTrue(
          e.getMessage().contains("try --ft-lr") || e.getMessage().contains("smaller --ft-lr"),
          e.getMessage());
    }
  }

  @Test
  void lrSearchPicksTheBestDevAccuracyAndReportsFailures() {
    DaiConfig config = config("tiny-gpt2-random", "sst2", 4, 3, 1e-3);
    try (LanguageModel lm =
        LanguageModel.open(TestModels.model("tiny-gpt2-random"), Tensors.device("cpu"))) {
      DaiExperiment experiment = new DaiExperiment(config, lm);
      List<LrTrial> trials =
          experiment.searchLearningRate(List.of(1e-4, 1e30), new DaiExperiment.Listener() {});
      assertEquals(2, trials.size());
      assertTrue(trials.get(0).failure() == null && trials.get(0).devAccuracy() >= 0);
      assertTrue(trials.get(0).devLoss() > 0, "a mean negative log-probability");
      assertTrue(trials.get(1).failure() != null, "1e30 must diverge");
      assertEquals(1e-4, DaiExperiment.best(trials));
    }
  }

  @Test
  void lrSearchBreaksAccuracyTiesByTheLowerDevLossThenTheFirstListed() {
    List<LrTrial> tie =
        List.of(
            new LrTrial(1e-4, 0.5, 0.70, null),
            new LrTrial(1e-3, 0.5, 0.60, null),
            new LrTrial(1e-2, 0.4, 0.10, null),
            new LrTrial(1e-1, Double.NaN, Double.NaN, "diverged"));
    assertEquals(1e-3, DaiExperiment.best(tie), "same accuracy: the lower loss wins");
    List<LrTrial> fullTie =
        List.of(new LrTrial(1e-4, 0.5, 0.6, null), new LrTrial(1e-3, 0.5, 0.6, null));
    assertEquals(1e-4, DaiExperiment.best(fullTie), "same accuracy and loss: the first listed");
    List<LrTrial> better =
        List.of(new LrTrial(1e-4, 0.5, 0.1, null), new LrTrial(1e-3, 0.6, 0.9, null));
    assertEquals(1e-3, DaiExperiment.best(better), "accuracy first");
  }

  @Test
  void theMismatchedPartnerIsNeverTheExampleItself() {
    for (int n = 2; n <= 40; n++) {
      for (int p = 0; p < n; p++) {
        int j = MismatchedPartner.of(p, n);
        assertTrue(j != p && j >= 0 && j < n, p + " of " + n + " -> " + j);
      }
    }
    assertThrows(IllegalArgumentException.class, () -> MismatchedPartner.of(0, 1));
  }

  @Test
  void rec2ftpOfTheLinesMatchesTheirF2tFlags() {
    SampleLine zslWrongFtRightIclRight =
        line(new double[] {0, 1}, new double[] {1, 0}, new double[] {1, 0});
    SampleLine zslWrongFtRightIclWrong =
        line(new double[] {0, 1}, new double[] {0, 1}, new double[] {1, 0});
    List<SampleLine> lines = List.of(zslWrongFtRightIclRight, zslWrongFtRightIclWrong);
    assertEquals(new Rec2Ftp(2, 1), DaiMetrics.all(lines, 1).rec2ftp());
    assertEquals(1, DaiMetrics.f2t(lines, 1).examples());
    assertTrue(zslWrongFtRightIclRight.f2t());
    assertFalse(zslWrongFtRightIclWrong.f2t());
  }

  private static SampleLine line(double[] zsl, double[] icl, double[] ft) {
    double[] one = {0.5};
    return new SampleLine(
        "pretrained", 0, "x", 0, zsl, icl, ft, one, one, null, new double[0], one, one);
  }
}
