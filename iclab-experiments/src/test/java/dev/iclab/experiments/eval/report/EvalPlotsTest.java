package dev.iclab.experiments.eval.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.iclab.experiments.eval.report.EvalPlots.BarPoint;
import dev.iclab.experiments.eval.report.EvalPlots.BoxPoint;
import dev.iclab.experiments.eval.report.EvalPlots.ShotPoint;
import dev.iclab.experiments.eval.report.EvalPlots.Spread;
import dev.iclab.report.Plots;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

class EvalPlotsTest {
  private static final double EPS = 1e-12;

  private static final List<ShotPoint> POINTS =
      List.of(
          new ShotPoint("random", 0, 1, 0.5),
          new ShotPoint("random", 4, 1, 0.6),
          new ShotPoint("random", 4, 2, 0.8),
          new ShotPoint("random", 4, 3, 0.7),
          new ShotPoint("knn", 4, 1, 0.9),
          new ShotPoint("knn", 4, 2, 0.7),
          new ShotPoint("random", 1, 1, 0.55),
          new ShotPoint("random", 1, 2, 0.65));

  @Test
  void spreadsGroupBySeriesAndSortByShots() {
    Map<String, List<Spread>> spreads = EvalPlots.spreadsByShots(POINTS);
    assertEquals(List.of("random", "knn"), List.copyOf(spreads.keySet()));
    List<Spread> random = spreads.get("random");
    assertArrayEquals(
        new double[] {0, 1, 4}, random.stream().mapToDouble(Spread::x).toArray(), EPS);
    Spread four = random.get(2);
    assertEquals(3, four.runs());
    assertEquals(0.7, four.mean(), EPS);
    assertEquals(0.1, four.std(), 1e-9); // sample std of 0.6, 0.8, 0.7
    assertEquals(0.6, four.min(), EPS);
    assertEquals(0.8, four.max(), EPS);
    assertEquals(0, random.get(0).std(), EPS);
    assertEquals(0.8, spreads.get("knn").get(0).mean(), EPS);
  }

  @Test
  void accuracyByShotsDrawsMeansWithStdBarsAndEveryRun() {
    XYChart chart = EvalPlots.accuracyByShots("sst2", POINTS);
    XYSeries random = chart.getSeriesMap().get("random");
    assertArrayEquals(new double[] {0, 1, 4}, random.getXData(), EPS);
    assertArrayEquals(new double[] {50, 60, 70}, random.getYData(), 1e-9);
    assertEquals(10, random.getExtraValues()[2], 1e-9);
    XYSeries runs = chart.getSeriesMap().get("random (runs)");
    assertEquals(6, runs.getYData().length);
    assertFalse(runs.isShowInLegend());
    assertEquals(4, chart.getSeriesMap().size());
  }

  @Test
  void barsPlaceEachGroupsMeansUnderTheirBars() {
    List<BarPoint> points =
        List.of(
            new BarPoint("shots=4", "gold", 0.8),
            new BarPoint("shots=4", "gold", 0.6),
            new BarPoint("shots=4", "random", 0.5),
            new BarPoint("shots=8", "random", 0.4));
    Map<String, List<Spread>> spreads = EvalPlots.barSpreads(points);
    assertEquals(0.7, spreads.get("shots=4").get(0).mean(), EPS);
    assertEquals(1.0, spreads.get("shots=8").get(0).x(), EPS); // "random" is the second bar
    var chart = EvalPlots.bars("labels", "label variant", points);
    CategorySeries eight = chart.getSeriesMap().get("shots=8");
    assertEquals(
        List.of(0.0, 40.0),
        List.copyOf(eight.getYData()).stream().map(n -> n.doubleValue()).toList());
  }

  @Test
  void everyChartKindIsWrittenAsAPng(@TempDir Path dir) throws Exception {
    Plots.writePng(dir.resolve("a.png"), EvalPlots.accuracyByShots("t", POINTS));
    Plots.writePng(
        dir.resolve("b.png"),
        EvalPlots.bars(
            "t", "x", List.of(new BarPoint("g", "gold", 0.5), new BarPoint("g", "none", 0.6))));
    Plots.writePng(
        dir.resolve("c.png"),
        EvalPlots.boxes(
            "t",
            "x",
            List.of(new BoxPoint("a", 0.5), new BoxPoint("a", 0.7), new BoxPoint("b", 0.6))));
    for (String name : List.of("a.png", "b.png", "c.png")) {
      BufferedImage image = ImageIO.read(dir.resolve(name).toFile());
      assertEquals(EvalPlots.WIDTH, image.getWidth(), name);
      assertEquals(EvalPlots.HEIGHT, image.getHeight(), name);
    }
  }
}
