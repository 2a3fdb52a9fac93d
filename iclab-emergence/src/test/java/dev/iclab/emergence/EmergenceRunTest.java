package dev.iclab.emergence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.IclabException;
import dev.iclab.emergence.model.SequenceModel;
import dev.iclab.emergence.report.Metrics;
import dev.iclab.emergence.train.KeptWeights;
import dev.iclab.emergence.train.LrSchedule;
import dev.iclab.tensor.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmergenceRunTest {
  private static final EmergenceRun.Listener QUIET = new EmergenceRun.Listener() {};

  private static Settings small() {
    return Settings.of(Preset.QUICK)
        .with("classes", "512")
        .with("batch", "32")
        .with("width", "32")
        .with("eval-size", "128")
        .with("eval-every", "10")
        .with("checkpoint-every", "10");
  }

  @Test
  void writesEveryResultFile(@TempDir Path dir) throws Exception {
    RunSpec spec = small().with("steps", "20").toSpec("files");
    EmergenceRun.Result r = EmergenceRun.run(spec, dir, false, Map.of("iclab", "test"), QUIET);
    assertEquals(List.of(10L, 20L), r.metrics().stream().map(Metrics::step).toList());
    for (String f :
        List.of(
            "metrics.jsonl",
            "run.json",
            "checkpoint.bin",
            "checkpoint.json",
            "icl.png",
            "iwl.png",
            "iwl_zero_shot.png",
            "report.html")) {
      assertTrue(Files.size(dir.resolve(f)) > 0, f);
    }
    JsonNode run = new ObjectMapper().readTree(dir.resolve("run.json").toFile());
    assertEquals("done", run.path("status").asText());
    assertEquals(512, run.path("config").path("data").path("classes").asInt());
    assertEquals(1004, run.path("seeds").path("eval").asLong());
    assertEquals("test", run.path("versions").path("iclab").asText());
    JsonNode line =
        new ObjectMapper().readTree(Files.readAllLines(dir.resolve("metrics.jsonl")).get(1));
    assertEquals(20, line.path("step").asInt());
    assertEquals(128, line.path("icl_n").asInt());
    assertEquals(128, line.path("iwl_n").asInt());
    try (var files = Files.list(dir)) {
      assertTrue(files.noneMatch(p -> p.toString().endsWith(".tmp")), "no temporary left");
    }
  }

  @Test
  void paperPresetsGiveEveryClassItsOwnLabelAndDecayTheRateQuickDoesNot() {
    RunSpec paper = Settings.of(Preset.PAPER).toSpec("paper");
    assertTrue(paper.data().ownLabels());
    assertEquals(1600, paper.data().labels());
    assertEquals(LrSchedule.RSQRT, paper.train().schedule());
    RunSpec cpu = Settings.of(Preset.PAPER_CPU).toSpec("paper-cpu");
    assertEquals(65_536, cpu.data().labels());
    RunSpec twoEach =
        Settings.of(Preset.PAPER_CPU)
            .with("classes", "300")
            .with("labels-per-class", "2")
            .toSpec("2");
    assertEquals(600, twoEach.data().labels(), "classes × labels per class");
    assertEquals(LrSchedule.RSQRT, cpu.train().schedule());
    RunSpec shared = Settings.of(Preset.PAPER_CPU).with("labels", "32").toSpec("shared");
    assertEquals(32, shared.data().labels(), "--labels N shares N labels");
    assertEquals(false, shared.data().ownLabels());
    RunSpec quick = Settings.of(Preset.QUICK).toSpec("quick");
    assertEquals(32, quick.data().labels(), "quick keeps its 32 shared labels");
    assertEquals(false, quick.data().ownLabels());
    assertEquals(LrSchedule.CONSTANT, quick.train().schedule());
    IclabException e =
        assertThrows(
            IclabException.class, () -> Settings.of(Preset.QUICK).with("labels", "x").toSpec("x"));
    assertTrue(e.getMessage().contains("per-class"), e.getMessage());
  }

  @Test
  void oneLabelPerClassGivesAnIwlChanceOfOneOverTheClasses(@TempDir Path dir) throws Exception {
    RunSpec spec =
        Settings.of(Preset.PAPER_CPU)
            .with("classes", "300")
            .with("batch", "16")
            .with("width", "32")
            .with("steps", "4")
            .with("eval-size", "64")
            .with("eval-every", "4")
            .toSpec("own");
    EmergenceRun.Result r = EmergenceRun.run(spec, dir, false, Map.of(), QUIET);
    assertEquals(1.0 / 300, r.metrics().get(0).iwlChance(), 1e-15);
    JsonNode run = new ObjectMapper().readTree(dir.resolve("run.json").toFile());
    assertEquals(300, run.path("config").path("data").path("labels").asInt());
    assertTrue(run.path("config").path("data").path("ownLabels").asBoolean(), run.toString());
    assertEquals("RSQRT", run.path("config").path("train").path("schedule").asText());
  }

  @Test
  void resumingGivesTheSameResultAsOneRun(@TempDir Path dir) {
    RunSpec full = small().with("steps", "30").toSpec("r");
    EmergenceRun.Result straight = EmergenceRun.run(full, dir.resolve("a"), false, Map.of(), QUIET);
    EmergenceRun.run(
        small().with("steps", "20").toSpec("r"), dir.resolve("b"), false, Map.of(), QUIET);
    EmergenceRun.Result resumed = EmergenceRun.run(full, dir.resolve("b"), true, Map.of(), QUIET);
    assertEquals(3, resumed.metrics().size());
    for (int i = 0; i < 3; i++) {
      Metrics a = straight.metrics().get(i);
      Metrics b = resumed.metrics().get(i);
      assertEquals(a.step(), b.step());
      assertEquals(a.loss(), b.loss(), 1e-4, "loss at " + a.step());
      assertEquals(a.iclAcc(), b.iclAcc(), 1e-9, "icl at " + a.step());
      assertEquals(a.iwlAcc(), b.iwlAcc(), 1e-9, "iwl at " + a.step());
    }
  }

  @Test
  void refusesToOverwriteOrToResumeWithOtherSettings(@TempDir Path dir) {
    RunSpec spec = small().with("steps", "10").toSpec("x");
    EmergenceRun.run(spec, dir, false, Map.of(), QUIET);
    IclabException again =
        assertThrows(
            IclabException.class, () -> EmergenceRun.run(spec, dir, false, Map.of(), QUIET));
    assertTrue(again.getMessage().contains("--resume"), again.getMessage());
    RunSpec other = small().with("steps", "20").with("p-bursty", "0").toSpec("x");
    IclabException changed =
        assertThrows(
            IclabException.class, () -> EmergenceRun.run(other, dir, true, Map.of(), QUIET));
    assertTrue(
        changed.getMessage().contains("config.data.pBursty: 0.9 then, 0.0 now"),
        changed.getMessage());
  }

  /**
   * Interrupted before its first checkpoint (the quick preset saves one only at the end), a run is
   * finished by --resume: it starts again and gives the uninterrupted run's metrics.
   */
  @Test
  void resumeFinishesARunInterruptedBeforeItsFirstCheckpoint(@TempDir Path dir) {
    RunSpec spec = small().with("steps", "20").with("checkpoint-every", "0").toSpec("x");
    List<Metrics> clean =
        EmergenceRun.run(spec, dir.resolve("clean"), false, Map.of(), QUIET).metrics();
    EmergenceRun.Listener interrupt =
        new EmergenceRun.Listener() {
          @Override
          public void stepped(long step, double loss) {
            if (step == 15) {
              throw new IllegalStateException("interrupted");
            }
          }
        };
    Path folder = dir.resolve("interrupted");
    assertThrows(
        IllegalStateException.class,
        () -> EmergenceRun.run(spec, folder, false, Map.of(), interrupt));
    IclabException plain =
        assertThrows(
            IclabException.class, () -> EmergenceRun.run(spec, folder, false, Map.of(), QUIET));
    assertTrue(plain.getMessage().contains("pass --resume"), plain.getMessage());
    List<Metrics> resumed = EmergenceRun.run(spec, folder, true, Map.of(), QUIET).metrics();
    assertEquals(clean.size(), resumed.size());
    for (int i = 0; i < clean.size(); i++) {
      assertEquals(clean.get(i).step(), resumed.get(i).step());
      assertEquals(clean.get(i).loss(), resumed.get(i).loss(), 1e-6);
      assertEquals(clean.get(i).iclAcc(), resumed.get(i).iclAcc());
      assertEquals(clean.get(i).iwlAcc(), resumed.get(i).iwlAcc());
    }
    // --resume on a missing folder simply starts the run.
    assertEquals(
        clean.size(),
        EmergenceRun.run(spec, dir.resolve("new"), true, Map.of(), QUIET).metrics().size());
  }

  /** Weights blown up by a 1e30 learning rate give a NaN loss on every later step. */
  @Test
  void aRunOfNonFiniteLossesStopsWithAdvice(@TempDir Path dir) throws Exception {
    RunSpec spec =
        small()
            .with("lr", "1e30")
            .with("warmup", "0")
            .with("clip", "0")
            .with("steps", "50")
            .toSpec("boom");
    IclabException e =
        assertThrows(
            IclabException.class, () -> EmergenceRun.run(spec, dir, false, Map.of(), QUIET));
    assertTrue(e.getMessage().contains("diverged"), e.getMessage());
    assertTrue(e.getMessage().contains("lower --lr"), e.getMessage());
    assertTrue(
        e.getMessage()
            .contains(
                EmergenceRun.MAX_NON_FINITE_IN_A_ROW
                    + " steps in a row up to step "
                    + (1 + EmergenceRun.MAX_NON_FINITE_IN_A_ROW)),
        e.getMessage());
    JsonNode run = new ObjectMapper().readTree(dir.resolve("run.json").toFile());
    assertEquals("diverged", run.path("status").asText());
    assertEquals(EmergenceRun.MAX_NON_FINITE_IN_A_ROW, run.path("skipped_steps").asInt());
  }

  @Test
  void shortOmniglotRunTrainsTheResNetEmbedder(@TempDir Path dir) {
    Path omniglot = dev.iclab.tensor.SharedAssets.requireShared("data/omniglot");
    RunSpec spec =
        small()
            .with("data", "omniglot")
            .with("omniglot-dir", omniglot.toString())
            .with("classes", "16")
            .with("holdout-classes", "10")
            .with("image-side", "15")
            .with("batch", "8")
            .with("eval-size", "16")
            .with("steps", "6")
            .with("eval-every", "3")
            .toSpec("omniglot");
    EmergenceRun.Result r = EmergenceRun.run(spec, dir, false, Map.of(), QUIET);
    assertEquals(2, r.metrics().size());
    for (Metrics m : r.metrics()) {
      assertTrue(Double.isFinite(m.loss()), "loss " + m.loss());
      assertEquals(16, m.iclN());
    }
  }

  @Test
  void sweepIsTheCartesianProductOfItsAxes() {
    List<Map.Entry<String, Settings>> runs =
        Settings.sweep(small(), List.of("p-bursty=0,0.9", "arch=transformer,lstm,rnn"));
    assertEquals(6, runs.size());
    assertEquals("p-bursty=0,arch=transformer", runs.get(0).getKey());
    assertEquals("lstm", runs.get(4).getValue().get("arch"));
    assertEquals("0.9", runs.get(4).getValue().get("p-bursty"));
    IclabException bad =
        assertThrows(IclabException.class, () -> Settings.sweep(small(), List.of("colour=red")));
    assertTrue(bad.getMessage().contains("unknown setting 'colour'"), bad.getMessage());
    IclabException malformed =
        assertThrows(IclabException.class, () -> Settings.sweep(small(), List.of("p-bursty")));
    assertTrue(malformed.getMessage().contains("key=v1,v2"), malformed.getMessage());
    IclabException number =
        assertThrows(IclabException.class, () -> small().with("zipf", "one").toSpec("z"));
    assertTrue(number.getMessage().contains("--zipf must be a number"), number.getMessage());
  }

  /** --keep-checkpoints keeps step 0 and every evaluation step; each loads back exactly. */
  @Test
  void keepsTheWeightsOfStepZeroAndOfEveryEvaluation(@TempDir Path dir) {
    RunSpec spec = small().with("steps", "25").with("keep-checkpoints", "true").toSpec("keep");
    EmergenceRun.run(spec, dir, false, Map.of(), QUIET);
    assertEquals(List.of(0L, 10L, 20L, 25L), KeptWeights.steps(dir));
    assertEquals(spec, RunSetup.readSpec(dir), "run.json gives back the spec");
    RunSetup setup = RunSetup.of(spec);
    try (NDManager root = Tensors.newManager();
        SequenceModel fresh =
            SequenceModel.create(setup.modelConfig(), root, setup.seeds().init());
        SequenceModel loaded = SequenceModel.create(setup.modelConfig(), root, 99)) {
      KeptWeights.load(dir, 0, loaded.parameters(), root);
      for (int i = 0; i < fresh.parameters().arrays().size(); i++) {
        assertArrayEquals(
            fresh.parameters().arrays().get(i).toFloatArray(),
            loaded.parameters().arrays().get(i).toFloatArray(),
            "step 0 is the untrained model: " + fresh.parameters().names().get(i));
      }
      // The last kept step is the final checkpoint's weights.
      KeptWeights.load(dir, 25, loaded.parameters(), root);
      try (NDManager scratch = root.newSubManager()) {
        List<NDArray> saved =
            NDList.decode(scratch, readBytes(dir.resolve("checkpoint.bin")))
                .subList(0, loaded.parameters().arrays().size());
        for (int i = 0; i < saved.size(); i++) {
          assertArrayEquals(
              saved.get(i).toFloatArray(), loaded.parameters().arrays().get(i).toFloatArray());
        }
      }
      IclabException missing =
          assertThrows(
              IclabException.class, () -> KeptWeights.load(dir, 5, loaded.parameters(), root));
      assertTrue(missing.getMessage().contains("[0, 10, 20, 25]"), missing.getMessage());
    }
    assertEquals(List.of(), KeptWeights.steps(dir.resolve("nothing")));
  }

  private static byte[] readBytes(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
