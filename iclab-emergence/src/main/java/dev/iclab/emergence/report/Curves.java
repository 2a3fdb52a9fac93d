package dev.iclab.emergence.report;

import dev.iclab.AtomicFiles;
import dev.iclab.IclabException;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
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
    System.setProperty("java.awt.headless", "true");
    XYChart chart =
        new XYChartBuilder()
            .width(720)
            .height(420)
            .title(title)
            .xAxisTitle("training step")
            .yAxisTitle("accuracy")
            .build();
    chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0).setChartBackgroundColor(Color.WHITE);
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
      line.setMarker(SeriesMarkers.NONE)
          .setLineColor(Color.GRAY)
          .setLineStyle(
              new BasicStroke(
                  1.5f,
                  BasicStroke.CAP_BUTT,
                  BasicStroke.JOIN_MITER,
                  10f,
                  new float[] {6f, 6f},
                  0f));
    }
    AtomicFiles.write(
        png,
        temporary -> {
          try (var out = Files.newOutputStream(temporary)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
          } catch (IOException e) {
            throw e;
          } catch (RuntimeException e) {
            throw new IclabException("cannot draw the plot " + png + ": " + e, e);
          }
        });
  }
}
