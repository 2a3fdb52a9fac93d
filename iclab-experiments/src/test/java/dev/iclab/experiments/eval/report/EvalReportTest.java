package dev.iclab.experiments.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.experiments.eval.report.EvalPlots.BarPoint;
import dev.iclab.experiments.eval.report.EvalPlots.BoxPoint;
import dev.iclab.experiments.eval.report.EvalPlots.ShotPoint;
import dev.iclab.experiments.eval.report.EvalPlots.Spread;
import dev.iclab.icl.run.Summary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalReportTest {
  private static final List<String> WORDS = List.of("Negative", "Positive");
  private static final double EPS = 1e-12;

  @TempDir Path dir;
  private final List<String> lines = new ArrayList<>();

  /** {@code correct} of {@code n} queries right, in samples.jsonl's format. */
  private void run(
      int shots,
      long seed,
      String select,
      String order,
      String labels,
      String calibrate,
      String perm,
      int correct,
      int n) {
    for (int q = 0; q < n; q++) {
      String gold = WORDS.get(q % 2);
      String prediction = q < correct ? gold : WORDS.get((q + 1) % 2);
      lines.add(
          ("{\"setting\":\"x\",\"id\":\"%d\",\"shots\":%d,\"seed\":%d,\"select\":\"%s\","
                  + "\"order\":\"%s\",\"labels\":\"%s\",\"scoring\":\"sum\",\"calibrate\":\"%s\"%s,"
                  + "\"prediction\":\"%s\",\"gold\":\"%s\"}")
              .formatted(
                  q,
                  shots,
                  seed,
                  select,
                  order,
                  labels,
                  calibrate,
                  perm == null ? "" : ",\"perm\":[" + perm + "]",
                  prediction,
                  gold));
    }
  }

  private void zeroShot(String calibrate, int correct) {
    run(0, 1, "-", "-", "-", calibrate, null, correct, 10);
  }

  private List<Summary.Run> runs() throws IOException {
    Path samples = dir.resolve("samples.jsonl");
    Files.write(samples, lines);
    return Summary.runs(samples, WORDS);
  }

  private List<String> write() throws IOException {
    Path samples = dir.resolve("samples.jsonl");
    Files.write(samples, lines);
    return EvalReport.write(
        dir, "sst2", Summary.runs(samples, WORDS), Summary.rows(samples, WORDS));
  }

  private Set<String> imagesInHtml() throws IOException {
    String html = Files.readString(dir.resolve(EvalReport.HTML));
    Matcher m = Pattern.compile("<img src=\"([^\"]+)\"").matcher(html);
    Set<String> images = new TreeSet<>();
    while (m.find()) {
      images.add(m.group(1));
    }
    return images;
  }

  private Set<String> pngsInFolder() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(f -> f.getFileName().toString())
          .filter(f -> f.endsWith(".png"))
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }

  @Test
  void shotsAndSeedsGiveOneLineWhoseSpreadIsTheSummarys() throws IOException {
    zeroShot("none", 5);
    long[] seeds = {1, 2, 3};
    int[][] correct = {{6, 8, 7}, {9, 7, 8}};
    int[] shots = {1, 4};
    for (int k = 0; k < shots.length; k++) {
      for (int s = 0; s < seeds.length; s++) {
        run(shots[k], seeds[s], "random", "given", "gold", "none", null, correct[k][s], 10);
      }
    }
    List<ShotPoint> points = new EvalReport.Grid(runs()).shotPoints();
    List<Spread> line =
        EvalPlots.spreadsByShots(points).get("select=random order=given labels=gold");
    assertEquals(3, line.size());
    assertEquals(0.5, line.get(0).mean(), EPS); // zero-shot starts the line
    assertEquals(0.7, line.get(1).mean(), EPS);
    assertEquals(0.1, line.get(1).std(), 1e-9);
    assertEquals(0.7, line.get(2).min(), EPS);
    assertEquals(0.9, line.get(2).max(), EPS);
    List<Summary.Row> rows = Summary.rows(dir.resolve("samples.jsonl"), WORDS);
    for (int i = 0; i < rows.size(); i++) {
      assertEquals(rows.get(i).accuracyMean(), line.get(i).mean(), EPS);
      assertEquals(rows.get(i).accuracyStd(), line.get(i).std(), EPS);
    }

    List<String> written = write();
    assertEquals(List.of(EvalReport.SHOTS_PNG), written);
    assertEquals(new TreeSet<>(written), imagesInHtml());
    assertEquals(new TreeSet<>(written), pngsInFolder());
    String html = Files.readString(dir.resolve(EvalReport.HTML));
    assertTrue(
        html.contains(
            "<td>shots=4 select=random order=given labels=gold scoring=sum calibrate=none</td><td>3</td><td>10</td><td>80.0 ± 10.0</td>"),
        html);
    assertFalse(html.contains("Calibration (Zhao"), "no calibration in this run");
  }

  @Test
  void labelVariantsAreBarsPerVariantAndTheOnlyPlotAtOneShotCount() throws IOException {
    for (long seed = 1; seed <= 2; seed++) {
      run(4, seed, "random", "given", "gold", "none", null, seed == 1 ? 8 : 6, 10);
      run(4, seed, "random", "given", "random", "none", null, seed == 1 ? 7 : 7, 10);
      run(4, seed, "random", "given", "none", "none", null, 5, 10);
    }
    List<BarPoint> points = new EvalReport.Grid(runs()).labelPoints();
    Map<String, List<Spread>> bars = EvalPlots.barSpreads(points);
    assertEquals(Set.of("shots=4"), bars.keySet());
    List<Spread> variants = bars.get("shots=4");
    assertEquals(List.of("gold", "random", "none"), variants.stream().map(Spread::name).toList());
    assertEquals(0.7, variants.get(0).mean(), EPS);
    assertEquals(0.7, variants.get(1).mean(), EPS);
    assertEquals(0, variants.get(1).std(), EPS);
    assertEquals(0.5, variants.get(2).max(), EPS);

    List<String> written = write();
    assertEquals(List.of(EvalReport.LABELS_PNG), written);
    assertEquals(new TreeSet<>(written), imagesInHtml());
    assertEquals(new TreeSet<>(written), pngsInFolder());
  }

  @Test
  void permutationsGiveABoxPerSettingOverSeedsAndOrders() throws IOException {
    String[] perms = {"0,1", "1,0"};
    for (long seed = 1; seed <= 2; seed++) {
      for (int p = 0; p < 2; p++) {
        run(2, seed, "balanced", "permutations", "gold", "none", perms[p], 5 + (int) seed + p, 10);
      }
    }
    List<BoxPoint> boxes = new EvalReport.Grid(runs()).orderPoints();
    assertEquals(4, boxes.size());
    assertEquals(
        Set.of("shots=2 order=permutations"),
        boxes.stream().map(BoxPoint::box).collect(Collectors.toSet()));
    assertEquals(List.of(0.6, 0.7, 0.7, 0.8), boxes.stream().map(BoxPoint::accuracy).toList());
    assertEquals(List.of(EvalReport.ORDERS_PNG), write());
    assertEquals(Set.of(EvalReport.ORDERS_PNG), imagesInHtml());
  }

  @Test
  void oneSeedOneOrderHasNoOrderBox() throws IOException {
    run(2, 1, "random", "given", "gold", "none", null, 5, 10);
    run(2, 2, "random", "given", "gold", "none", null, 6, 10);
    EvalReport.Grid grid = new EvalReport.Grid(runs());
    assertTrue(grid.orderPoints().isEmpty());
    assertTrue(grid.shotPoints().isEmpty());
    assertEquals(List.of(), write());
    assertEquals(Set.of(), imagesInHtml());
    assertEquals(Set.of(), pngsInFolder());
    assertTrue(
        Files.readString(dir.resolve(EvalReport.HTML)).contains("the table is the whole result"));
  }

  @Test
  void calibrationComparesBeforeAndAfterPerSetting() throws IOException {
    zeroShot("none", 5);
    zeroShot("contextual", 6);
    run(4, 1, "bm25", "similarity", "gold", "none", null, 7, 10);
    run(4, 1, "bm25", "similarity", "gold", "contextual", null, 9, 10);
    List<BarPoint> points = new EvalReport.Grid(runs()).calibrationPoints();
    Map<String, List<Spread>> groups = EvalPlots.barSpreads(points);
    assertEquals(List.of("before (none)", "after (contextual)"), List.copyOf(groups.keySet()));
    assertEquals(
        List.of("shots=0", "shots=4"),
        groups.get("before (none)").stream().map(Spread::name).toList());
    assertEquals(0.6, groups.get("after (contextual)").get(0).mean(), EPS);
    assertEquals(0.9, groups.get("after (contextual)").get(1).mean(), EPS);

    List<String> written = write();
    assertEquals(List.of(EvalReport.SHOTS_PNG, EvalReport.CALIBRATION_PNG), written);
    assertEquals(new TreeSet<>(written), imagesInHtml());
    // Zero-shot starts the line of its own calibration only.
    Map<String, List<Spread>> lines =
        EvalPlots.spreadsByShots(new EvalReport.Grid(runs()).shotPoints());
    assertEquals(0.5, lines.get("calibrate=none").get(0).mean(), EPS);
    assertEquals(0.6, lines.get("calibrate=contextual").get(0).mean(), EPS);
  }
}
