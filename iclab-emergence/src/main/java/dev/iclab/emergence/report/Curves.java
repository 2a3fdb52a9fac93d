package dev.iclab.emergence.report;

import dev.iclab.report.Plots;
import java.awt.Color;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG plots of accuracy against training step: one line per run, the chance level dashed. */
public final class Curves {
  private Curves() {}

  /**
   * Writes one PNG.
   *
   * @param runs run name to its metrics, in legend order
   * @param metric the accuracy to draw
   * @param chance chance level drawn as a dashed line, or NaN for none
   */
  public static void write(
      Path png,
      String title,
      Map<String, List<Metrics>> runs,
      ToDoubleFunction<Metrics> metric,
      double chance) {
    XYChart chart = Plots.chart(720, 420, title, "training step", "accuracy");
    chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
    long maxStep = 1;
    for (Map.Entry<String, List<Metrics>> run : runs.entrySet()) {
      List<Metrics> metrics = run.getValue();
      if (metrics.isEmpty()) {
        continue;
      }
      double[] x = metrics.stream().mapToDouble(Metrics::step).toArray();
      double[] y = metrics.stream().mapToDouble(metric).toArray();
      chart.addSeries(run.getKey(), x, y).setMarker(SeriesMarkers.CIRCLE);
      maxStep = Math.max(maxStep, metrics.get(metrics.size() - 1).step());
    }
    if (!Double.isNaN(chance)) {
      XYSeries line =
          chart.addSeries(
              "chance (%.3g)".formatted(chance),
              new double[] {0, maxStep},
              new double[] {chance, chance});
      line.setMarker(SeriesMarkers.NONE).setLineColor(Color.GRAY).setLineStyle(Plots.dashes());
    }
    Plots.writePng(png, chart);
  }
}
