package dev.iclab.experiments.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.AtomicFiles;
import dev.iclab.experiments.eval.EvalSettings;
import dev.iclab.experiments.eval.report.EvalPlots;
import dev.iclab.icl.run.Summary;
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
      Set.copyOf(
          Stream.concat(Stream.of("model", "task", "task-file"), EvalSettings.GRID_KEYS.stream())
              .toList());

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
    table(dir, grid, results, html);
    html.append("</body></html>\n");
    AtomicFiles.writeString(dir.resolve("report.html"), html.toString());
  }

  private static void table(Path dir, Grid grid, List<CellResult> results, StringBuilder html) {
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
          .append(".log\">log</a>")
          .append(
              Files.isRegularFile(Sweep.cellFolder(dir, r.id()).resolve("report.html"))
                  ? ", <a href=\"cells/" + Html.escape(r.id()) + "/report.html\">report</a>"
                  : "")
          .append(")</td>");
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

  /** One run of one cell: a point of the accuracy-against-shots chart. */
  private record Point(String chart, String zeroShotKey, EvalPlots.ShotPoint point) {}

  /**
   * Accuracy against shots ({@link EvalPlots#accuracyByShots}, as each eval run's own report draws
   * it): one chart per model and task, one line per other setting, every seed a dot. A zero-shot
   * run (no demonstrations to select, order or label) starts every line of its scoring and
   * calibration.
   */
  private static void evalPlots(Path dir, Grid grid, List<CellResult> results, StringBuilder html) {
    List<Point> points = new ArrayList<>();
    for (CellResult r : results) {
      if (r.finished()) {
        points.addAll(points(dir, grid, r));
      }
    }
    Map<String, List<EvalPlots.ShotPoint>> charts = new TreeMap<>();
    for (Point p : points) {
      if (p.point().shots() > 0) {
        charts.computeIfAbsent(p.chart(), c -> new ArrayList<>()).add(p.point());
      }
    }
    for (Point p : points) {
      if (p.point().shots() == 0) {
        List<String> joined =
            points.stream()
                .filter(
                    q ->
                        q.point().shots() > 0
                            && q.chart().equals(p.chart())
                            && q.zeroShotKey().equals(p.zeroShotKey()))
                .map(q -> q.point().series())
                .distinct()
                .toList();
        for (String series : joined.isEmpty() ? List.of(p.point().series()) : joined) {
          EvalPlots.ShotPoint point = p.point();
          charts
              .computeIfAbsent(p.chart(), c -> new ArrayList<>())
              .add(new EvalPlots.ShotPoint(series, 0, point.seed(), point.accuracy()));
        }
      }
    }
    if (charts.isEmpty()) {
      return;
    }
    html.append("<h2>Accuracy against shots</h2>\n<p>Lines through the means over seeds, bars:")
        .append(" &plusmn; one standard deviation, dots: the seeds.</p>\n<div class=\"row\">");
    int n = 0;
    for (var chart : charts.entrySet()) {
      String png = "accuracy-" + (++n) + ".png";
      XYChart plot = EvalPlots.accuracyByShots(chart.getKey(), chart.getValue());
      plot.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS); // long series names
      Plots.writePng(dir.resolve(png), plot);
      html.append("<figure><img src=\"")
          .append(png)
          .append("\" alt=\"")
          .append(Html.escape(chart.getKey()))
          .append("\"></figure>");
    }
    html.append("</div>\n");
  }

  /** The runs (setting, seed) of a finished eval cell's samples.jsonl. */
  private static List<Point> points(Path dir, Grid grid, CellResult r) {
    Path folder = Sweep.cellFolder(dir, r.id());
    Path samples = folder.resolve("samples.jsonl");
    String task;
    List<String> labels = new ArrayList<>(); // every label seen: accuracy only compares them
    try {
      task = JSON.readTree(folder.resolve("summary.json").toFile()).path("task").asText("");
      for (String line : Files.readAllLines(samples)) {
        if (!line.isEmpty()) {
          JsonNode sample = JSON.readTree(line);
          for (String field : List.of("gold", "prediction")) {
            if (!labels.contains(sample.path(field).asText())) {
              labels.add(sample.path(field).asText());
            }
          }
        }
      }
    } catch (IOException e) {
      return List.of(); // a cell without samples has no point to plot
    }
    String chart =
        "model "
            + lastPart(setting(grid, r, "model"))
            + ", task "
            + (task.isEmpty() ? setting(grid, r, "task") : task);
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
    for (Summary.Run run : Summary.runs(samples, labels)) {
      Summary.Setting s = run.setting();
      StringBuilder series = new StringBuilder();
      for (String[] part :
          List.of(
              new String[] {"select", s.select()},
              new String[] {"order", s.order()},
              new String[] {"labels", s.labels()},
              new String[] {"scoring", s.scoring()},
              new String[] {"calibrate", s.calibrate()})) {
        if (!part[1].equals("-")) {
          series.append(part[0]).append('=').append(part[1]).append(' ');
        }
      }
      long seed;
      try {
        seed = Long.parseLong(run.seed());
      } catch (NumberFormatException e) {
        seed = 0;
      }
      points.add(
          new Point(
              chart,
              extra + " scoring=" + s.scoring() + " calibrate=" + s.calibrate(),
              new EvalPlots.ShotPoint(
                  (series.toString().strip() + extra).strip(), s.shots(), seed, run.accuracy())));
    }
    return points;
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

  private static String lastPart(String path) {
    String trimmed = path.replaceAll("/+$", "");
    return trimmed.substring(trimmed.lastIndexOf('/') + 1);
  }
}
