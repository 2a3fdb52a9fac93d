package dev.iclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmergenceCommandTest {
  @Test
  void badValuesFailWithOneLineNamingTheFlag(@TempDir Path dir) {
    CliRun p = CliRun.of("emergence", "--p-bursty", "1.5", "--out", dir.toString());
    assertEquals(IclabCommand.EXIT_FAILURE, p.exitCode());
    assertTrue(p.err().startsWith("error: --p-bursty must be in [0, 1]"), p.err());
    CliRun preset = CliRun.of("emergence", "--preset", "huge", "--out", dir.toString());
    assertTrue(preset.err().contains("use quick, paper-cpu or paper"), preset.err());
    CliRun arch = CliRun.of("emergence", "--arch", "gru", "--out", dir.toString());
    assertTrue(arch.err().contains("use transformer, lstm or rnn"), arch.err());
    CliRun sweep = CliRun.of("emergence", "--sweep", "colour=red", "--out", dir.toString());
    assertTrue(sweep.err().contains("unknown setting 'colour'"), sweep.err());
    CliRun type = CliRun.of("emergence", "--classes", "many");
    assertEquals(IclabCommand.EXIT_USAGE, type.exitCode());
    CliRun data = CliRun.of("emergence", "--data", "cifar", "--out", dir.toString());
    assertTrue(data.err().contains("--data cifar is not available"), data.err());
  }

  @Test
  void quickstartWritesTheSummaryAndTheReport(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("qs");
    CliRun o = CliRun.of("quickstart", "--steps", "10", "--out", out.toString());
    assertEquals(IclabCommand.EXIT_OK, o.exitCode(), o.err());
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
    CliRun again = CliRun.of("quickstart", "--steps", "10", "--out", out.toString());
    assertEquals(IclabCommand.EXIT_FAILURE, again.exitCode());
    assertTrue(again.err().contains("already holds a quickstart"), again.err());
  }

  @Test
  void sweepRunsEachSettingInItsFolderAndComparesThemInOneReport(@TempDir Path dir)
      throws Exception {
    Path out = dir.resolve("sweep");
    CliRun o =
        CliRun.of(
            "emergence",
            "--classes",
            "512",
            "--batch",
            "16",
            "--width",
            "32",
            "--steps",
            "4",
            "--eval-every",
            "2",
            "--eval-size",
            "32",
            "--sweep",
            "p-bursty=0,0.9",
            "--out",
            out.toString());
    assertEquals(IclabCommand.EXIT_OK, o.exitCode(), o.err());
    for (String run : List.of("p-bursty=0", "p-bursty=0.9")) {
      JsonNode runJson = new ObjectMapper().readTree(out.resolve(run).resolve("run.json").toFile());
      assertEquals("done", runJson.path("status").asText());
      assertTrue(o.out().contains(run + ": step 4 "), o.out());
    }
    String report = Files.readString(out.resolve("report.html"));
    assertTrue(report.contains("p-bursty=0.9") && report.contains("p-bursty=0"), report);
    assertTrue(o.out().contains("report: " + out.resolve("report.html")), o.out());
  }
}
