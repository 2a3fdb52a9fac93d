package dev.iclab.experiments.ipt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.iclab.IclabException;
import dev.iclab.data.TaskRegistry;
import dev.iclab.data.fewshot.TaskFamilies;
import dev.iclab.experiments.ipt.IptStudy.Stage;
import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.TestModels;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.config.ConfigException;
import dev.iclab.lm.tokenizer.HfTokenizer;
import dev.iclab.lm.tokenizer.Tokenizer;
import dev.iclab.tensor.SharedAssets;
import dev.iclab.tune.BaseModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole IPT study on TinyStories over the CB fixture's pairs (2 train, 1 test), a few steps each:
 * the stages, summary.json's keys, resuming, and bad input.
 */
class IptStudyTest {
  private static final TaskFamilies CB =
      TaskFamilies.of(List.of(TaskRegistry.builtIn().get("cb")), false);

  static IptConfig config(List<String> train, List<String> test, List<Integer> dims) {
    return new IptConfig(
        "tinystories-656k",
        "fixtures/data",
        train,
        test,
        "given",
        dims,
        List.of(1.0),
        3,
        "vocab",
        4,
        6,
        3,
        0.01,
        4,
        4,
        1e-3,
        200,
        0.1,
        8,
        3,
        0.05,
        1);
  }

  static IptConfig standard() {
    return config(
        List.of("cb:entailment-vs-contradiction", "cb:entailment-vs-neutral"),
        List.of("cb:contradiction-vs-neutral"),
        List.of(2));
  }

  private static void run(IptConfig config, Path out, boolean resume, List<Stage> stages) {
    Path modelDir = TestModels.model("tinystories-656k");
    try (CausalLM model = ModelLoader.standard().load(modelDir, Device.cpu(), true);
        Tokenizer tokenizer = HfTokenizer.load(modelDir)) {
      IptStudy.run(
          config,
          model,
          tokenizer,
          BaseModel.of(modelDir),
          CB,
          SharedAssets.require("data"),
          out,
          resume,
          stages,
          null,
          line -> {});
    }
  }

  @Test
  void stagesWriteTheSummaryAndAnInterruptedStageResumesToTheSameResult(@TempDir Path dir)
      throws IOException {
    IptConfig config = standard();
    Path whole = dir.resolve("whole");
    run(config, whole, false, List.of(Stage.PROMPTS, Stage.MSF, Stage.IST, Stage.EVAL));
    JsonNode summary = IptFiles.readJson(whole.resolve(IptStudy.SUMMARY));
    JsonNode tasks = summary.get("tasks");
    assertEquals(3, tasks.size());
    JsonNode test = tasks.get("cb:contradiction-vs-neutral");
    assertEquals("test", test.get("split").asText());
    for (String key : List.of("pt", "ist", "random_subspace")) {
      double acc = test.get(key).asDouble();
      assertTrue(acc >= 0 && acc <= 1, key + " " + acc);
    }
    assertTrue(summary.get("relative_performance").has("train"));
    assertTrue(summary.get("relative_performance").has("test"));
    assertTrue(Files.isRegularFile(whole.resolve("msf/d2/autoencoder.safetensors")));
    assertTrue(Files.isRegularFile(whole.resolve("report.html")));
    assertTrue(
        Files.isRegularFile(
            whole.resolve("pt/cb_entailment-vs-neutral/adapter_model.safetensors")));

    // the same study stopped after one task's prompt (the other prompts and every later stage
    // missing, a half-written task folder left behind), then continued with resume
    Path split = dir.resolve("split");
    run(config, split, false, List.of(Stage.PROMPTS));
    deleteTree(split.resolve("pt/cb_entailment-vs-neutral"));
    deleteTree(split.resolve("pt/cb_contradiction-vs-neutral"));
    Files.createDirectories(split.resolve("pt/.result.tmp-123"));
    assertThrows(IclabException.class, () -> run(config, split, false, List.of(Stage.PROMPTS)));
    run(config, split, true, List.of(Stage.PROMPTS, Stage.MSF, Stage.IST, Stage.EVAL));
    assertEquals(summary, IptFiles.readJson(split.resolve(IptStudy.SUMMARY)));
    assertTrue(Files.notExists(split.resolve("pt/.result.tmp-123")));
    assertEquals(
        Files.readString(whole.resolve("msf/d2/metrics.jsonl")),
        Files.readString(split.resolve("msf/d2/metrics.jsonl")));

    // IST stopped with one run missing: the resumed stage writes it as the uninterrupted one did
    String run = "ist/msf-d2/cb_entailment-vs-neutral/" + IptStudy.RESULT;
    deleteTree(split.resolve(run).getParent());
    Files.delete(split.resolve(IptStudy.SUMMARY));
    run(config, split, true, List.of(Stage.IST, Stage.EVAL));
    assertEquals(summary, IptFiles.readJson(split.resolve(IptStudy.SUMMARY)));
    assertEquals(
        IptFiles.readJson(whole.resolve(run)).get("intrinsic_vector"),
        IptFiles.readJson(split.resolve(run)).get("intrinsic_vector"));
  }

  @Test
  void workerProcessesWriteWhatOneProcessWritesBitForBitAndResume(@TempDir Path dir)
      throws IOException {
    // the workers know the standard families: whole tasks, as the fixtures have no pairs of them
    IptConfig config = config(List.of("cb"), List.of("sst2"), List.of(2, 1));
    List<Stage> all = List.of(Stage.PROMPTS, Stage.MSF, Stage.IST, Stage.EVAL);
    Path one = dir.resolve("one");
    Path two = dir.resolve("two");
    runFromDisk(config, one, false, all, 1);
    runFromDisk(config, two, false, all, 2);
    assertSameResults(one, two);

    // a study killed in IST (two runs missing, a half-written one left) resumes with the workers
    deleteTree(two.resolve("ist/msf-d2/cb"));
    deleteTree(two.resolve("ist/random-d1/sst2"));
    Files.createDirectories(two.resolve("ist/msf-d2/.result.tmp-7"));
    Files.delete(two.resolve(IptStudy.SUMMARY));
    runFromDisk(config, two, true, all, 2);
    assertSameResults(one, two);
    assertTrue(Files.notExists(two.resolve("ist/msf-d2/.result.tmp-7")));

    // a stage whose workers fail is one error naming them (each printed its own line)
    Path early = dir.resolve("early");
    var failed =
        assertThrows(
            IclabException.class, () -> runFromDisk(config, early, false, List.of(Stage.IST), 2));
    assertTrue(failed.getMessage().contains("worker 1/2 exit 1"), failed.getMessage());
    assertTrue(Files.notExists(early.resolve("ist")));

    // a worker writes only into a folder that a running study holds
    var unheld =
        assertThrows(
            IclabException.class,
            () ->
                IptWorkers.work(
                    new String[] {
                      two.toString(),
                      "IST",
                      "0",
                      "2",
                      TestModels.model("tinystories-656k").toString(),
                      "cpu",
                      SharedAssets.require("data").toString(),
                      "1",
                      Long.toString(ProcessHandle.current().pid())
                    },
                    line -> {}));
    assertTrue(unheld.getMessage().contains("not held by a running"), unheld.getMessage());
  }

  private static void runFromDisk(
      IptConfig config, Path out, boolean resume, List<Stage> stages, int workers) {
    IptStudy.run(
        config,
        TestModels.model("tinystories-656k"),
        Device.cpu(),
        SharedAssets.require("data"),
        out,
        resume,
        stages,
        workers,
        1,
        line -> {});
  }

  /** Every file of the study the same, but the seconds a run took. */
  private static void assertSameResults(Path a, Path b) throws IOException {
    List<Path> files;
    try (Stream<Path> paths = Files.walk(a)) {
      files =
          paths
              .filter(Files::isRegularFile)
              .map(a::relativize)
              .filter(p -> !p.toString().equals("run.json") && !p.endsWith(".iclab-lock"))
              .sorted()
              .toList();
    }
    try (Stream<Path> paths = Files.walk(b)) {
      assertEquals(
          files,
          paths
              .filter(Files::isRegularFile)
              .map(b::relativize)
              .filter(p -> !p.toString().equals("run.json") && !p.endsWith(".iclab-lock"))
              .sorted()
              .toList());
    }
    assertTrue(files.contains(Path.of("ist/random-d1/sst2/result.json")));
    for (Path f : files) {
      if (f.toString().endsWith(".json")) {
        assertEquals(
            withoutSeconds(IptFiles.readJson(a.resolve(f))),
            withoutSeconds(IptFiles.readJson(b.resolve(f))),
            f.toString());
      } else {
        assertArrayEquals(
            Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f.toString());
      }
    }
  }

  /** {@code node} without its "seconds" fields, at any depth (they time the run). */
  private static JsonNode withoutSeconds(JsonNode node) {
    if (node instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
      o.remove("seconds");
    }
    node.forEach(IptStudyTest::withoutSeconds);
    return node;
  }

  @Test
  void badInputIsOneClearError(@TempDir Path dir) {
    var overlap =
        assertThrows(
            IclabException.class,
            () ->
                config(
                    List.of("cb:entailment-vs-neutral"),
                    List.of("cb:entailment-vs-neutral"),
                    List.of(2)));
    assertTrue(overlap.getMessage().contains("both a training and a test task"));
    var dim =
        assertThrows(
            ConfigException.class,
            () -> config(List.of("cb:entailment-vs-neutral"), List.of("cb"), List.of(0)));
    assertTrue(dim.getMessage().contains("--intrinsic-dim"), dim.getMessage());
    var tooFew =
        assertThrows(
            IclabException.class,
            () -> IptSplit.resolve(CB, "random", List.of("cb"), List.of(), List.of(), 0.2, 1));
    assertTrue(tooFew.getMessage().contains("at least 2 tasks"), tooFew.getMessage());
    var family =
        assertThrows(
            IclabException.class,
            () -> IptSplit.resolve(CB, "family", List.of("cb:*"), List.of(), List.of(), 0.2, 1));
    assertTrue(family.getMessage().contains("0 whole tasks"), family.getMessage());
    IptConfig longPrompt =
        new IptConfig(
            "tinystories-656k",
            "fixtures/data",
            List.of("cb:entailment-vs-neutral"),
            List.of("cb"),
            "given",
            List.of(2),
            List.of(1.0),
            600,
            "vocab",
            4,
            6,
            3,
            0.01,
            4,
            4,
            1e-3,
            200,
            0.1,
            8,
            3,
            0.05,
            1);
    Path out = dir.resolve("long");
    var tooLong =
        assertThrows(
            IclabException.class, () -> run(longPrompt, out, false, List.of(Stage.PROMPTS)));
    assertTrue(
        tooLong.getMessage().contains("--prompt-length 600 does not fit"), tooLong.getMessage());
    assertTrue(Files.notExists(out), "bad input writes nothing");
  }

  @Test
  void splitsAreSeededAndFamilyTestsWholeTasks() {
    List<String> all = List.of("cb:*", "cb");
    IptSplit.Lists family = IptSplit.resolve(CB, "family", all, List.of(), List.of(), 0.2, 1);
    assertEquals(CB.pairs("cb"), family.train());
    assertEquals(List.of("cb"), family.test());
    IptSplit.Lists a = IptSplit.resolve(CB, "random", all, List.of(), List.of(), 0.5, 3);
    IptSplit.Lists b = IptSplit.resolve(CB, "random", all, List.of(), List.of(), 0.5, 3);
    assertEquals(a, b);
    assertEquals(2, a.test().size());
    List<String> union = new ArrayList<>(a.train());
    union.addAll(a.test());
    assertEquals(4, union.stream().distinct().count());
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
