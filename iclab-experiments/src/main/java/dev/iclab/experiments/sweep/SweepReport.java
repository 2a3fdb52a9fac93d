package dev.iclab.experiments.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.AtomicFiles;
import dev.iclab.report.Html;
import dev.iclab.report.Plots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.Styler;

/**
 * The sweep's report.html: a table of the cells, and for eval accuracy against shots per model and
 * task (one line per setting, error bars the spread over seeds: the standard deviation of the
 * seeds' accuracies); for other commands each cell's own plots side by side.
 */
final class SweepReport {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Keys the eval summary's setting already names, or that make the chart or the x axis. */
  private static final Set<String> NOT_IN_SERIES =
      Set.of(
          "model",
          "task",
          "task-file",
          "shots",
          "seeds",
          "select",
          "order",
          "labels",
          "scoring",
          "calibrate");

  private SweepReport() {}

  static void write(Path dir, Grid grid, List<CellResult> results) {
    StringBuilder html = new StringBuilder();
    long failed = results.stream().filter(r -> !r.finished()).count();
    html.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>iclab sweep</title>")
        .append("<style>body{font-family:sans-serif}table{border-collapse:collapse}")
        .append("td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}")
        .append(".failed{color:#b00}.row{display:flex;flex-wrap:wrap;gap:8px}")
        .append("figure{margin:4px}img{max-width:420px}</style></head><body>\n")
        .append("<h1>iclab sweep: ")
        .append(Html.escape(grid.command()))
        .append("</h1>\n<p>")
        .append(results.size())
        .append(" cells, ")
        .append(results.size() - failed)
        .append(" finished, ")
        .append(failed)
        .append(" failed. Base: <code>")
        .append(Html.escape(grid.toJson().path("base").toString()))
        .append("</code></p>\n");
    if (grid.command().equals("eval")) {
      evalPlots(dir, grid, results, html);
    } else {
      cellPlots(dir, results, html);
    }
    table(grid, results, html);
    html.append("</body></html>\n");
    AtomicFiles.writeString(dir.resolve("report.html"), html.toString());
  }

  private static void table(Grid grid, List<CellResult> results, StringBuilder html) {
    html.append("<h2>Cells</h2>\n<table><tr><th>#</th><th>id</th>");
    grid.axes().keySet().forEach(k -> html.append("<th>").append(Html.escape(k)).append("</th>"));
    html.append("<th>status</th><th>seconds</th><th>metrics</th><th>error</th></tr>\n");
    for (CellResult r : results) {
      html.append("<tr><td>")
          .append(r.index())
          .append("</td><td><a href=\"cells/")
          .append(Html.escape(r.id()))
          .append("/\">")
          .append(Html.escape(r.id()))
          .append("</a> (<a href=\"cells/")
          .append(Html.escape(r.id()))
          .append(".log\">log</a>)</td>");
      grid.axes()
          .keySet()
          .forEach(
              k ->
                  html.append("<td>")
                      .append(Html.escape(Cell.text(r.values().path(k))))
                      .append("</td>"));
      StringBuilder metrics = new StringBuilder();
      r.metrics()
          .fields()
          .forEachRemaining(
              e ->
                  metrics
                      .append(metrics.isEmpty() ? "" : "<br>")
                      .append(Html.escape(e.getKey()))
                      .append(": ")
                      .append(
                          e.getValue().isNumber()
                              ? String.format(Locale.ROOT, "%.4g", e.getValue().asDouble())
                              : Html.escape(e.getValue().asText())));
      html.append("<td class=\"")
          .append(r.status())
          .append("\">")
          .append(r.status())
          .append("</td><td>")
          .append(String.format(Locale.ROOT, "%.1f", r.seconds()))
          .append("</td><td>")
          .append(metrics)
          .append("</td><td>")
          .append(r.error() == null ? "" : Html.escape(r.error()))
          .append("</td></tr>\n");
    }
    html.append("</table>\n");
  }

  /** One row of one cell's summary: a point of the accuracy-against-shots chart. */
  private record Point(String chart, String series, String zeroShotKey, int shots, double[] acc) {}

  /**
   * Accuracy against shots: one chart per model and task, one line per other setting. A zero-shot
   * row (no demonstrations to select, order or label) starts every line of its scoring and
   * calibration.
   */
  private static void evalPlots(Path dir, Grid grid, List<CellResult> results, StringBuilder html) {
    List<Point> points = new ArrayList<>();
    for (CellResult r : results) {
      if (r.finished()) {
        points.addAll(points(dir, grid, r));
      }
    }
    // chart -> series -> shots -> (mean, std) of each cell's row
    Map<String, Map<String, TreeMap<Integer, List<double[]>>>> charts = new TreeMap<>();
    for (Point p : points) {
      if (p.shots() > 0) {
        add(charts, p, p.series());
      }
    }
    for (Point p : points) {
      if (p.shots() == 0) {
        List<String> joined =
            points.stream()
                .filter(
                    q ->
                        q.shots() > 0
                            && q.chart().equals(p.chart())
                            && q.zeroShotKey().equals(p.zeroShotKey()))
                .map(Point::series)
                .distinct()
                .toList();
        (joined.isEmpty() ? List.of(p.series()) : joined).forEach(series -> add(charts, p, series));
      }
    }
    if (charts.isEmpty()) {
      return;
    }
    html.append("<h2>Accuracy against shots</h2>\n<p>Mean over seeds; bars: standard deviation")
        .append(" over seeds.</p>\n<div class=\"row\">");
    int n = 0;
    for (var chart : charts.entrySet()) {
      XYChart plot = Plots.chart(720, 480, chart.getKey(), "shots", "accuracy");
      plot.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
      plot.getStyler().setYAxisMin(0.0);
      plot.getStyler().setYAxisMax(1.0);
      for (var series : chart.getValue().entrySet()) {
        int size = series.getValue().size();
        double[] x = new double[size];
        double[] y = new double[size];
        double[] spread = new double[size];
        int i = 0;
        for (var point : series.getValue().entrySet()) {
          x[i] = point.getKey();
          double[] ms = meanAndSpread(point.getValue());
          y[i] = ms[0];
          spread[i] = ms[1];
          i++;
        }
        plot.addSeries(series.getKey().isEmpty() ? "accuracy" : series.getKey(), x, y, spread);
      }
      String png = "accuracy-" + (++n) + ".png";
      Plots.writePng(dir.resolve(png), plot);
      html.append("<figure><img src=\"")
          .append(png)
          .append("\" alt=\"")
          .append(Html.escape(chart.getKey()))
          .append("\"></figure>");
    }
    html.append("</div>\n");
  }

  private static void add(
      Map<String, Map<String, TreeMap<Integer, List<double[]>>>> charts, Point p, String series) {
    charts
        .computeIfAbsent(p.chart(), c -> new TreeMap<>())
        .computeIfAbsent(series, s -> new TreeMap<>())
        .computeIfAbsent(p.shots(), s -> new ArrayList<>())
        .add(p.acc());
  }

  /** The rows of a finished eval cell's summary.json. */
  private static List<Point> points(Path dir, Grid grid, CellResult r) {
    JsonNode summary;
    try {
      summary = JSON.readTree(Sweep.cellFolder(dir, r.id()).resolve("summary.json").toFile());
    } catch (IOException e) {
      return List.of(); // a cell without a summary has no point to plot
    }
    String chart =
        "model " + lastPart(setting(grid, r, "model")) + ", task " + taskName(grid, r, summary);
    StringBuilder extra = new StringBuilder();
    r.values()
        .fields()
        .forEachRemaining(
            e -> {
              if (!NOT_IN_SERIES.contains(e.getKey())) {
                extra.append(' ').append(e.getKey()).append('=').append(Cell.text(e.getValue()));
              }
            });
    List<Point> points = new ArrayList<>();
    for (JsonNode row : summary.path("rows")) {
      Map<String, String> parts = new LinkedHashMap<>();
      for (String part : row.path("setting").asText().split(" ")) {
        int eq = part.indexOf('=');
        if (eq > 0) {
          parts.put(part.substring(0, eq), part.substring(eq + 1));
        }
      }
      String shots = parts.remove("shots");
      if (shots == null || !shots.matches("\\d+")) {
        continue;
      }
      StringBuilder series = new StringBuilder();
      StringBuilder zeroShotKey = new StringBuilder(extra);
      parts.forEach(
          (key, value) -> {
            if (!value.equals("-")) {
              series.append(key).append('=').append(value).append(' ');
            }
            if (key.equals("scoring") || key.equals("calibrate")) {
              zeroShotKey.append(' ').append(key).append('=').append(value);
            }
          });
      points.add(
          new Point(
              chart,
              (series.toString().strip() + extra).strip(),
              zeroShotKey.toString(),
              Integer.parseInt(shots),
              new double[] {
                row.path("accuracy_mean").asDouble(), row.path("accuracy_std").asDouble()
              }));
    }
    return points;
  }

  /**
   * One point from the rows of several cells (seeds): a single row keeps its own mean and spread
   * over the seeds it ran; rows of several cells give the mean and deviation of their means.
   */
  private static double[] meanAndSpread(List<double[]> rows) {
    if (rows.size() == 1) {
      return rows.get(0);
    }
    double mean = rows.stream().mapToDouble(r -> r[0]).average().orElse(0);
    double variance =
        rows.stream().mapToDouble(r -> (r[0] - mean) * (r[0] - mean)).sum() / rows.size();
    return new double[] {mean, Math.sqrt(variance)};
  }

  /** Every finished cell's own PNG plots, side by side (emergence's curves, tune's losses). */
  private static void cellPlots(Path dir, List<CellResult> results, StringBuilder html) {
    StringBuilder figures = new StringBuilder();
    for (CellResult r : results) {
      Path folder = Sweep.cellFolder(dir, r.id());
      if (!r.finished() || !Files.isDirectory(folder)) {
        continue;
      }
      List<String> pngs;
      try (Stream<Path> files = Files.list(folder)) {
        pngs =
            files
                .map(p -> p.getFileName().toString())
                .filter(f -> f.endsWith(".png"))
                .sorted()
                .toList();
      } catch (IOException e) {
        continue;
      }
      for (String png : pngs) {
        figures
            .append("<figure><img src=\"cells/")
            .append(Html.escape(r.id()))
            .append('/')
            .append(Html.escape(png))
            .append("\"><figcaption>")
            .append(Html.escape(r.id() + ": " + png))
            .append("</figcaption></figure>");
      }
    }
    if (!figures.isEmpty()) {
      html.append("<h2>Cells' plots</h2>\n<div class=\"row\">").append(figures).append("</div>\n");
    }
  }

  private static String setting(Grid grid, CellResult r, String key) {
    JsonNode value = r.values().has(key) ? r.values().path(key) : grid.base().get(key);
    return value == null ? "" : Cell.text(value);
  }

  private static String taskName(Grid grid, CellResult r, JsonNode summary) {
    String task = summary.path("task").asText("");
    return task.isEmpty() ? setting(grid, r, "task") : task;
  }

  private static String lastPart(String path) {
    String trimmed = path.replaceAll("/+$", "");
    return trimmed.substring(trimmed.lastIndexOf('/') + 1);
  }
}
