package dev.iclab.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iclab.AtomicFiles;
import dev.iclab.IclabException;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BoxChart;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.Marker;

/** What the reports' PNG plots share: the chart's frame, the dashed line, the atomic file. */
public final class Plots {
  private Plots() {}

  /** An empty line chart on a white background, drawn without a display. */
  public static XYChart chart(
      int width, int height, String title, String xAxisTitle, String yAxisTitle) {
    System.setProperty("java.awt.headless", "true");
    return frame(new XYChart(width, height), title, xAxisTitle, yAxisTitle);
  }

  /** An empty bar chart on a white background, drawn without a display. */
  public static CategoryChart barChart(
      int width, int height, String title, String xAxisTitle, String yAxisTitle) {
    System.setProperty("java.awt.headless", "true");
    return frame(new CategoryChart(width, height), title, xAxisTitle, yAxisTitle);
  }

  /** An empty box plot (one box per series) on a white background, drawn without a display. */
  public static BoxChart boxChart(
      int width, int height, String title, String xAxisTitle, String yAxisTitle) {
    System.setProperty("java.awt.headless", "true");
    return frame(
        new BoxChart(width, height, Styler.ChartTheme.XChart), title, xAxisTitle, yAxisTitle);
  }

  private static <C extends Chart<?, ?>> C frame(
      C chart, String title, String xAxisTitle, String yAxisTitle) {
    chart.setTitle(title);
    chart.setXAxisTitle(xAxisTitle);
    chart.setYAxisTitle(yAxisTitle);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    return chart;
  }

  /**
   * Adds a line through {@code points}' ({@code xKey}, {@code yKey}) values, if there are any.
   *
   * @param points JSON objects, each with both keys (a metrics log's lines)
   */
  public static void addLine(
      XYChart chart, String name, List<JsonNode> points, String xKey, String yKey, Marker marker) {
    if (!points.isEmpty()) {
      chart
          .addSeries(
              name,
              points.stream().mapToDouble(m -> m.get(xKey).asDouble()).toArray(),
              points.stream().mapToDouble(m -> m.get(yKey).asDouble()).toArray())
          .setMarker(marker);
    }
  }

  /** The dashed stroke of baselines, chance levels and marks. */
  public static BasicStroke dashes() {
    return new BasicStroke(
        1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 6f}, 0f);
  }

  /**
   * Writes {@code chart} to {@code png} atomically.
   *
   * @throws IclabException naming the file when the chart cannot be drawn or written
   */
  public static void writePng(Path png, Chart<?, ?> chart) {
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
