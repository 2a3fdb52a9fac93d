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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.knowm.xchart.XYChart;

/**
 * The sweep's report.html: a table of the cells, and for eval accuracy against shots per model and
 * task (one line per setting, error bars the spread over seeds: the standard deviation of the
 * seeds' accuracies); for other commands each cell's own plots side by side.
 */
final class SweepReport {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SHOTS = Pattern.compile("(?:^| )shots=(\\d+)");

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

  /** Accuracy against shots: one chart per model and task, one line per other setting. */
  private static void evalPlots(Path dir, Grid grid, List<CellResult> results, StringBuilder html) {
    // chart -> series -> shots -> (mean, std) of each cell's row
    Map<String, Map<String, TreeMap<Integer, List<double[]>>>> charts = new TreeMap<>();
    for (CellResult r : results) {
      if (!r.finished()) {
        continue;
      }
      JsonNode summary;
      try {
        summary = JSON.readTree(Sweep.cellFolder(dir, r.id()).resolve("summary.json").toFile());
      } catch (IOException e) {
        continue; // a cell without a summary has no point to plot
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
      for (JsonNode row : summary.path("rows")) {
        String setting = row.path("setting").asText();
        Matcher m = SHOTS.matcher(setting);
        if (!m.find()) {
          continue;
        }
        int shots = Integer.parseInt(m.group(1));
        String series = (m.replaceFirst("").strip() + extra).strip();
        charts
            .computeIfAbsent(chart, c -> new TreeMap<>())
            .computeIfAbsent(series, s -> new TreeMap<>())
            .computeIfAbsent(shots, s -> new ArrayList<>())
            .add(
                new double[] {
                  row.path("accuracy_mean").asDouble(), row.path("accuracy_std").asDouble()
                });
      }
    }
    if (charts.isEmpty()) {
      return;
    }
    html.append("<h2>Accuracy against shots</h2>\n<p>Mean over seeds; bars: standard deviation")
        .append(" over seeds.</p>\n<div class=\"row\">");
    int n = 0;
    for (var chart : charts.entrySet()) {
      XYChart plot = Plots.chart(640, 420, chart.getKey(), "shots", "accuracy");
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
