package dev.iclab.analysis.report;

import static dev.iclab.analysis.report.Table.counts;
import static dev.iclab.analysis.report.Table.num;
import static dev.iclab.analysis.report.Table.pct;

import dev.iclab.AtomicFiles;
import dev.iclab.analysis.DaiMetrics;
import dev.iclab.analysis.lab.CheckpointMetrics;
import dev.iclab.report.Html;
import dev.iclab.report.Plots;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report of Dai et al.'s comparison across an emergence run's checkpoints: report.md,
 * report.html and three curves against the training step (accuracy.png, rec2ftp.png, simaou.png),
 * each with the step where ICL accuracy first reaches 0.9 marked.
 */
public final class DaiCurvesReport {
  public static final String ACCURACY_PNG = "accuracy.png";
  public static final String REC2FTP_PNG = "rec2ftp.png";
  public static final String SIMAOU_PNG = "simaou.png";

  private DaiCurvesReport() {}

  private record Curve(String name, ToDoubleFunction<CheckpointMetrics> value, boolean dashed) {}

  public static void write(
      Path dir,
      String title,
      List<CheckpointMetrics> checkpoints,
      List<String> notes,
      String command) {
    long crossing = CheckpointMetrics.iclCrossing(checkpoints);
    plot(
        dir.resolve(ACCURACY_PNG),
        "Accuracy on holdout episodes",
        "accuracy",
        checkpoints,
        crossing,
        List.of(
            new Curve("ICL", c -> c.all().iclAccuracy(), false),
            new Curve("FT", c -> c.all().ftAccuracy(), false),
            new Curve("ZSL", c -> c.all().zslAccuracy(), false),
            new Curve("the lab's own ICL evaluation", CheckpointMetrics::labIclAccuracy, true),
            new Curve("chance", c -> 0.5, true)));
    plot(
        dir.resolve(REC2FTP_PNG),
        "Rec2FTP and its chance level",
        "percent",
        checkpoints,
        crossing,
        List.of(
            new Curve("Rec2FTP", c -> c.all().rec2ftp().percent(), false),
            new Curve("ICL predictions permuted (chance)", c -> c.all().rec2ftpPermuted(), true)));
    double atStepZero =
        checkpoints.stream()
            .filter(c -> c.step() == 0)
            .mapToDouble(c -> c.all().simAou().overall())
            .findFirst()
            .orElse(Double.NaN);
    List<Curve> simAou = new ArrayList<>();
    simAou.add(new Curve("SimAOU (mean of layers)", c -> c.all().simAou().overall(), false));
    int layers = checkpoints.isEmpty() ? 0 : checkpoints.get(0).all().simAou().perLayer().length;
    for (int l = 0; l < layers; l++) {
      int layer = l;
      simAou.add(new Curve("SimAOU layer " + l, c -> c.all().simAou().perLayer()[layer], false));
    }
    simAou.add(new Curve("random baseline", c -> c.all().simAouRandom().overall(), true));
    simAou.add(new Curve("mismatched baseline", c -> c.all().simAouMismatched().overall(), true));
    simAou.add(new Curve("step 0 (untrained)", c -> atStepZero, true));
    plot(
        dir.resolve(SIMAOU_PNG),
        "SimAOU and its baselines",
        "cosine",
        checkpoints,
        crossing,
        simAou);

    Table table =
        new Table(
            "step",
            "ZSL",
            "ICL",
            "FT",
            "lab ICL",
            "Rec2FTP",
            "chance",
            "F2T",
            "SimAOU",
            "random",
            "mismatched",
            "SimAOU - mismatched",
            "FT lr");
    for (CheckpointMetrics c : checkpoints) {
      DaiMetrics m = c.all();
      table.row(
          String.valueOf(c.step()),
          pct(m.zslAccuracy()),
          pct(m.iclAccuracy()),
          pct(m.ftAccuracy()),
          pct(c.labIclAccuracy()),
          "%s (%d of %d)"
              .formatted(
                  num(m.rec2ftp().percent()), m.rec2ftp().iclAlsoRight(), m.rec2ftp().ftFixes()),
          num(m.rec2ftpPermuted()),
          String.valueOf(m.rec2ftp().iclAlsoRight()),
          num(m.simAou().overall()),
          num(m.simAouRandom().overall()),
          num(m.simAouMismatched().overall()),
          num(m.simAouSpecific().overall()),
          num(c.ftLr()));
    }
    Table labels = new Table("step", "gold", "ZSL", "ICL", "FT", "ZSL vs chance: binomial p");
    for (CheckpointMetrics c : checkpoints) {
      var p = c.all().predictions();
      labels.row(
          String.valueOf(c.step()),
          counts(p.gold()),
          counts(p.zsl()),
          counts(p.icl()),
          counts(p.ft()),
          num(c.zslChanceP()));
    }
    String crossingText =
        crossing < 0
            ? "ICL accuracy never reaches 90% among the analysed checkpoints."
            : "ICL accuracy first reaches 90%% at step %d (marked on the curves)."
                .formatted(crossing);
    StringBuilder md = new StringBuilder("# " + title + "\n\n");
    StringBuilder html =
        new StringBuilder(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>dai across training"
                + "</title><style>body{font-family:sans-serif;max-width:70em;margin:2em auto}"
                + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;"
                + "text-align:right}</style></head><body>\n<h1>"
                + Table.escape(title)
                + "</h1>\n");
    paragraph(md, html, crossingText);
    paragraph(md, html, "Command: `" + command + "`");
    heading(md, html, "Curves");
    for (String png : List.of(ACCURACY_PNG, REC2FTP_PNG, SIMAOU_PNG)) {
      md.append("![%s](%s)\n\n".formatted(png, png));
      html.append(Html.image(png, png));
    }
    heading(md, html, "Per checkpoint (all episodes; accuracies in %)");
    md.append(table.markdown()).append('\n');
    html.append(table.html());
    heading(md, html, "Label counts (label 0 : label 1)");
    md.append(labels.markdown()).append('\n');
    html.append(labels.html());
    heading(md, html, "Notes");
    notes.forEach(n -> paragraph(md, html, n));
    html.append("</body></html>\n");
    AtomicFiles.writeString(dir.resolve("report.md"), md.toString());
    AtomicFiles.writeString(dir.resolve("report.html"), html.toString());
  }

  private static void heading(StringBuilder md, StringBuilder html, String text) {
    md.append("## ").append(text).append("\n\n");
    html.append("<h2>").append(Table.escape(text)).append("</h2>\n");
  }

  private static void paragraph(StringBuilder md, StringBuilder html, String text) {
    md.append(text).append("\n\n");
    html.append("<p>").append(Table.escape(text)).append("</p>\n");
  }

  /**
   * One line per curve; undefined points (NaN) are left out; the ICL crossing is a vertical line.
   */
  private static void plot(
      Path png,
      String title,
      String yTitle,
      List<CheckpointMetrics> checkpoints,
      long crossing,
      List<Curve> curves) {
    XYChart chart = Plots.chart(760, 440, title, "training step", yTitle);
    double low = Double.POSITIVE_INFINITY;
    double high = Double.NEGATIVE_INFINITY;
    for (Curve curve : curves) {
      List<Double> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (CheckpointMetrics c : checkpoints) {
        double v = curve.value().applyAsDouble(c);
        if (Double.isFinite(v)) {
          x.add((double) c.step());
          y.add(v);
          low = Math.min(low, v);
          high = Math.max(high, v);
        }
      }
      if (x.isEmpty()) {
        continue;
      }
      XYSeries series = chart.addSeries(curve.name(), x, y);
      series.setMarker(curve.dashed() ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
      if (curve.dashed()) {
        series.setLineStyle(Plots.dashes());
      }
    }
    if (crossing >= 0 && low <= high) {
      XYSeries mark =
          chart.addSeries(
              "ICL reaches 0.9 (step " + crossing + ")",
              new double[] {crossing, crossing},
              new double[] {low, high});
      mark.setMarker(SeriesMarkers.NONE);
      mark.setLineColor(Color.GRAY);
      mark.setLineStyle(Plots.dashes());
    }
    if (chart.getSeriesMap().isEmpty()) {
      chart.addSeries("no data", new double[] {0}, new double[] {0});
    }
    Plots.writePng(png, chart);
  }
}
