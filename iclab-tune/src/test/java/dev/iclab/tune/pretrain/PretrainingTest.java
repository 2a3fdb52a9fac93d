package dev.iclab.tune.pretrain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.iclab.IclabException;
import dev.iclab.lm.LanguageModel;
import dev.iclab.lm.TestModels;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ForwardOptions;
import dev.iclab.lm.config.AttentionVariant;
import dev.iclab.tensor.SharedAssets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training a tiny model from scratch on a slice of the Brown corpus. */
class PretrainingTest {
  private static final int[] PROBE = {1, 45, 300, 12, 900, 7, 2000, 33};

  @TempDir static Path shared;
  static Path train;
  static Path valid;

  @BeforeAll
  static void corpus() throws IOException {
    List<String> lines = Files.readAllLines(SharedAssets.require("data/brown/brown.train.txt"));
    train = shared.resolve("train.txt");
    valid = shared.resolve("valid.txt");
    Files.write(train, lines.subList(0, 60));
    Files.write(valid, lines.subList(60, 75));
  }

  private static PretrainConfig config(
      String arch, AttentionVariant attention, int steps, int saveEvery, Path data) {
    return new PretrainConfig(
        arch,
        1,
        32,
        2,
        32,
        attention,
        TestModels.model("tinystories-656k"),
        data,
        valid,
        steps,
        4,
        1e-2,
        2,
        0,
        1.0,
        0,
        8,
        saveEvery,
        7);
  }

  private static Pretraining.Summary run(PretrainConfig config, Path out, Pretraining.Listener l) {
    return Pretraining.run(
        config, out, false, Device.cpu(), JsonNodeFactory.instance.objectNode(), l);
  }

  private static float[] logits(CausalLM model) {
    try (NDManager scope = model.manager().newSubManager()) {
      return model
          .forward(scope, scope.create(PROBE, new Shape(1, PROBE.length)), ForwardOptions.NONE)
          .toFloatArray();
    }
  }

  private static List<JsonNode> metrics(Path out) throws IOException {
    List<JsonNode> nodes = new ArrayList<>();
    for (String line : Files.readAllLines(out.resolve(Pretraining.METRICS))) {
      nodes.add(Pretraining.JSON.readTree(line));
    }
    return nodes;
  }

  @Test
  void fewStepsLowerTheLossAndWriteACheckpointThatLoadsWithTheSameLogits(@TempDir Path temp)
      throws IOException {
    for (String arch : List.of("llama", "gpt2")) {
      Path out = temp.resolve(arch);
      float[][] trained = new float[1][];
      Pretraining.Summary summary =
          run(
              config(arch, AttentionVariant.momentum(0.9), 12, 0, train),
              out,
              new Pretraining.Listener() {
                @Override
                public void finished(CausalLM model) {
                  trained[0] = logits(model);
                }
              });
      assertTrue(summary.lastLoss() < summary.firstLoss() - 0.5, arch + ": " + summary);
      List<JsonNode> m = metrics(out);
      double before = m.get(0).get("valid_perplexity").asDouble();
      double after = m.get(m.size() - 1).get("valid_perplexity").asDouble();
      assertTrue(after < before, arch + " valid perplexity " + before + " -> " + after);
      assertEquals(after, summary.validPerplexity(), 1e-9);
      for (String f :
          List.of(
              "config.json",
              "model.safetensors",
              "tokenizer.json",
              "run.json",
              "metrics.jsonl",
              "loss.png",
              "report.html",
              Pretraining.SUMMARY,
              "init/model.safetensors")) {
        assertTrue(Files.isRegularFile(out.resolve(f)), arch + " lacks " + f);
      }
      assertFalse(Files.exists(out.resolve("checkpoints")));
      try (LanguageModel lm = LanguageModel.open(out, Device.cpu())) {
        assertEquals(AttentionVariant.momentum(0.9), lm.model().config().attention());
        assertArrayEquals(trained[0], logits(lm.model()), 0f, arch);
        assertTrue(lm.requireTokenizer().encode("The jury said").length > 1);
      }
    }
  }

  @Test
  void resumeAfterAnInterruptionEndsWithTheSameWeights(@TempDir Path temp) throws IOException {
    PretrainConfig config = config("llama", AttentionVariant.STANDARD, 7, 2, train);
    Path whole = temp.resolve("whole");
    run(config, whole, new Pretraining.Listener() {});
    Path broken = temp.resolve("broken");
    var crash =
        new Pretraining.Listener() {
          @Override
          public void stepped(dev.iclab.tune.Trainer.Progress p, double ppl) {
            if (p.step() == 5) {
              throw new IllegalStateException("simulated crash at step 5");
            }
          }
        };
    assertThrows(IllegalStateException.class, () -> run(config, broken, crash));
    assertTrue(Files.isDirectory(broken.resolve("checkpoints/step-00000004")));
    assertFalse(Files.exists(broken.resolve(Pretraining.SUMMARY)));
    int[] resumedAt = {-1};
    Pretraining.run(
        config,
        broken,
        true,
        Device.cpu(),
        JsonNodeFactory.instance.objectNode(),
        new Pretraining.Listener() {
          @Override
          public void started(int start, int total, long parameters) {
            resumedAt[0] = start;
          }
        });
    assertEquals(4, resumedAt[0]);
    assertArrayEquals(
        Files.readAllBytes(whole.resolve("model.safetensors")),
        Files.readAllBytes(broken.resolve("model.safetensors")));
    assertEquals(
        metrics(whole).stream().map(n -> n.path("loss").asDouble()).toList(),
        metrics(broken).stream().map(n -> n.path("loss").asDouble()).toList());
    // a finished run is not resumed, and a changed flag is refused
    IclabException done =
        assertThrows(
            IclabException.class,
            () ->
                Pretraining.run(
                    config,
                    broken,
                    true,
                    Device.cpu(),
                    JsonNodeFactory.instance.objectNode(),
                    new Pretraining.Listener() {}));
    assertTrue(done.getMessage().contains("has finished"), done.getMessage());
  }

  @Test
  void momentumAndStandardRunsSeeTheSameBatches(@TempDir Path temp) throws IOException {
    run(config("llama", AttentionVariant.STANDARD, 6, 0, train), temp.resolve("std"), null0());
    run(config("llama", AttentionVariant.momentum(0.5), 6, 0, train), temp.resolve("mom"), null0());
    List<JsonNode> standard = metrics(temp.resolve("std"));
    List<JsonNode> momentum = metrics(temp.resolve("mom"));
    List<String> hashes = standard.stream().map(n -> n.path("batch_hash").asText()).toList();
    assertEquals(hashes, momentum.stream().map(n -> n.path("batch_hash").asText()).toList());
    assertEquals(6, hashes.stream().filter(h -> !h.isEmpty()).distinct().count());
    assertNotEquals(
        standard.get(standard.size() - 1).get("loss").asDouble(),
        momentum.get(momentum.size() - 1).get("loss").asDouble());
  }

  private static Pretraining.Listener null0() {
    return new Pretraining.Listener() {};
  }

  @Test
  void badInputFailsWithOneLineAndWritesNothing(@TempDir Path temp) throws IOException {
    Path empty = Files.writeString(temp.resolve("empty.txt"), "\n  \n");
    Path tiny = Files.writeString(temp.resolve("tiny.txt"), "A few words .\n");
    Path out = temp.resolve("out");
    record Case(String expected, Runnable run) {}
    List<Case> cases =
        List.of(
            new Case(
                "holds no text",
                () -> run(config("llama", AttentionVariant.STANDARD, 2, 0, empty), out, null0())),
            new Case(
                "fewer than one --context window",
                () -> run(config("llama", AttentionVariant.STANDARD, 2, 0, tiny), out, null0())),
            new Case(
                "does not exist",
                () ->
                    run(
                        config("llama", AttentionVariant.STANDARD, 2, 0, temp.resolve("nope")),
                        out,
                        null0())),
            new Case(
                "not divisible by --heads",
                () ->
                    run(
                        new PretrainConfig(
                            "gpt2",
                            1,
                            30,
                            4,
                            32,
                            AttentionVariant.STANDARD,
                            TestModels.model("tinystories-656k"),
                            train,
                            null,
                            2,
                            2,
                            1e-3,
                            0,
                            0,
                            1,
                            0,
                            0,
                            0,
                            1),
                        out,
                        null0())),
            new Case(
                "--arch must be one of",
                () ->
                    run(
                        new PretrainConfig(
                            "bert",
                            1,
                            32,
                            4,
                            32,
                            AttentionVariant.STANDARD,
                            TestModels.model("tinystories-656k"),
                            train,
                            null,
                            2,
                            2,
                            1e-3,
                            0,
                            0,
                            1,
                            0,
                            0,
                            0,
                            1),
                        out,
                        null0())),
            new Case("must be in [0, 1)", () -> AttentionVariant.momentum(1.0)));
    for (Case c : cases) {
      IclabException e = assertThrows(IclabException.class, c.run::run, c.expected);
      assertTrue(e.getMessage().contains(c.expected), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
      assertFalse(Files.exists(out), c.expected + ": wrote " + out);
      try (var left = Files.list(temp)) {
        assertTrue(
            left.noneMatch(p -> p.getFileName().toString().startsWith(".out")),
            c.expected + ": left a temporary folder");
      }
    }
  }
}
