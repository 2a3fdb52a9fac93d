package dev.iclab.emergence.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.emergence.Preset;
import dev.iclab.emergence.RunSpec;
import dev.iclab.emergence.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SweepReportTest {
  /** Users pass relative folders (--out runs/x): links must come out relative to the report. */
  @Test
  void linksRunsInRelativeFolders() throws Exception {
    Path out = Path.of("target/sweep-report-test");
    RunSpec spec = Settings.of(Preset.QUICK).toSpec("p-bursty=0.9");
    Metrics m = new Metrics(50, 1.0, 0.9, 0.9, 10, 0.2, 0.1, 10, 1 / 32.0, 1.0);
    Path report =
        SweepReport.write(
            out,
            "t <&>",
            List.of(new SweepReport.Entry(spec, out.resolve("p-bursty=0.9"), List.of(m), 2.0)));
    String html = Files.readString(report);
    assertTrue(html.contains("href=\"p-bursty=0.9/run.json\""), html);
    assertTrue(html.contains("t &lt;&amp;&gt;"), "title escaped");
    assertTrue(html.contains("<td>0.900</td>"), html);
    for (String png : List.of("icl.png", "iwl.png", "iwl_zero_shot.png")) {
      byte[] bytes = Files.readAllBytes(out.resolve(png));
      assertTrue(bytes.length > 1000 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G', png);
    }
  }

  /** A sweep over --labels has a chance level per run: no single line, each run's in the table. */
  @Test
  void runsWithOtherIwlChancesGetTheirOwn() throws Exception {
    Path out = Path.of("target/sweep-report-chances");
    RunSpec a = Settings.of(Preset.QUICK).with("labels", "32").toSpec("labels=32");
    RunSpec b = Settings.of(Preset.QUICK).with("labels", "200").toSpec("labels=200");
    Metrics ma = new Metrics(50, 1.0, 0.9, 0.9, 10, 0.2, 0.1, 10, 1 / 32.0, 1.0);
    Metrics mb = new Metrics(50, 1.0, 0.9, 0.9, 10, 0.2, 0.1, 10, 1 / 200.0, 1.0);
    String html =
        Files.readString(
            SweepReport.write(
                out,
                "labels",
                List.of(
                    new SweepReport.Entry(a, out.resolve("labels=32"), List.of(ma), 1.0),
                    new SweepReport.Entry(b, out.resolve("labels=200"), List.of(mb), 1.0))));
    assertTrue(html.contains("IWL chance per run"), html);
    assertTrue(html.contains("<td>0.031</td>") || html.contains("<td>0.0312</td>"), html);
    assertTrue(html.contains("<td>0.005</td>") || html.contains("<td>0.00500</td>"), html);
  }
}
