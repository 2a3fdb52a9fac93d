package dev.iclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmergenceCommandTest {
  private record Outcome(int code, String out, String err) {}

  private static Outcome run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        IclabCommand.run(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            args);
    return new Outcome(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void badValuesFailWithOneLineNamingTheFlag(@TempDir Path dir) {
    Outcome p = run("emergence", "--p-bursty", "1.5", "--out", dir.toString());
    assertEquals(IclabCommand.EXIT_FAILURE, p.code());
    assertTrue(p.err().startsWith("error: --p-bursty must be in [0, 1]"), p.err());
    Outcome preset = run("emergence", "--preset", "huge", "--out", dir.toString());
    assertTrue(preset.err().contains("use quick, paper-cpu or paper"), preset.err());
    Outcome arch = run("emergence", "--arch", "gru", "--out", dir.toString());
    assertTrue(arch.err().contains("use transformer, lstm or rnn"), arch.err());
    Outcome sweep = run("emergence", "--sweep", "colour=red", "--out", dir.toString());
    assertTrue(sweep.err().contains("unknown setting 'colour'"), sweep.err());
    Outcome type = run("emergence", "--classes", "many");
    assertEquals(IclabCommand.EXIT_USAGE, type.code());
    Outcome data = run("emergence", "--data", "cifar", "--out", dir.toString());
    assertTrue(data.err().contains("--data cifar is not available"), data.err());
  }

  @Test
  void quickstartWritesTheSummaryAndTheReport(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("qs");
    Outcome o = run("quickstart", "--steps", "10", "--out", out.toString());
    assertEquals(IclabCommand.EXIT_OK, o.code(), o.err());
    JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    assertEquals(3, summary.size());
    Set<String> names = new TreeSet<>();
    for (JsonNode run : summary) {
      names.add(run.path("name").asText());
      assertEquals(10, run.path("steps").asInt());
      double icl = run.path("final_icl_acc").asDouble(-1);
      assertTrue(icl >= 0 && icl <= 1, "accuracy is a fraction: " + icl);
      assertTrue(run.has("arch") && run.has("p_bursty") && run.has("final_iwl_acc"));
    }
    assertEquals(Set.of("lstm-bursty", "transformer-bursty", "transformer-nonbursty"), names);
    assertEquals(0.0, summary.get(1).path("p_bursty").asDouble(), 0);
    assertEquals("lstm", summary.get(2).path("arch").asText());
    assertTrue(Files.readString(out.resolve("report.html")).contains("lstm-bursty"));
    assertTrue(Files.size(out.resolve("icl.png")) > 1000);
    assertTrue(o.out().contains("transformer-nonbursty"), o.out());
    Outcome again = run("quickstart", "--steps", "10", "--out", out.toString());
    assertEquals(IclabCommand.EXIT_FAILURE, again.code());
    assertTrue(again.err().contains("already holds a quickstart"), again.err());
  }
}
