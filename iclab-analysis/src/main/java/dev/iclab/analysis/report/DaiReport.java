package dev.iclab.analysis.report;

import static dev.iclab.analysis.report.Table.counts;
import static dev.iclab.analysis.report.Table.num;
import static dev.iclab.analysis.report.Table.pct;

import dev.iclab.AtomicFiles;
import dev.iclab.analysis.DaiMetrics;
import dev.iclab.analysis.DaiOutcome;
import dev.iclab.analysis.DaiVariants;
import dev.iclab.analysis.metrics.LayerMeans;
import dev.iclab.report.Html;
import dev.iclab.report.Plots;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Writes a run's report.md, report.html and per-layer plots (simaou.png, simam.png): the
 * accuracies, Rec2FTP, SimAOU and SimAM with their baselines, for all examples and for F2T, the
 * untrained control beside the pretrained model, and the published figures beside both.
 */
public final class DaiReport {
  public static final String SIMAOU_PNG = "simaou.png";
  public static final String SIMAM_PNG = "simam.png";

  private DaiReport() {}

  public static void write(Path dir, DaiOutcome outcome, String command) {
    plot(
        dir.resolve(SIMAOU_PNG),
        "SimAOU per layer (" + outcome.config().subset() + ")",
        "cosine of attention-output updates",
        outcome,
        m ->
            List.of(
                new Line("SimAOU", m.simAou(), false),
                new Line("random baseline", m.simAouRandom(), true),
                new Line("mismatched baseline", m.simAouMismatched(), true)));
    plot(
        dir.resolve(SIMAM_PNG),
        "SimAM per layer (" + outcome.config().subset() + ")",
        "cosine of attention maps",
        outcome,
        m ->
            List.of(
                new Line("ICL vs FT", m.simAm(), false),
                new Line("ICL vs ZSL (baseline)", m.simAmZsl(), true)));
    List<Section> sections = sections(outcome, command);
    StringBuilder md = new StringBuilder();
    StringBuilder html =
        new StringBuilder(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>dai "
                + Table.escape(outcome.taskName())
                + "</title><style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
                + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;"
                + "text-align:right}</style></head><body>\n");
    for (Section s : sections) {
      md.append(s.heading.isEmpty() ? "" : s.level + " " + s.heading + "\n\n");
      html.append(
          s.heading.isEmpty()
              ? ""
              : "<h%d>%s</h%d>\n"
                  .formatted(s.level.length(), Table.escape(s.heading), s.level.length()));
      for (Object part : s.parts) {
        if (part instanceof Table t) {
          md.append(t.markdown()).append('\n');
          html.append(t.html());
        } else if (part instanceof Image image) {
          md.append("![%s](%s)\n\n".formatted(image.alt, image.file));
          html.append(Html.image(image.file, image.alt));
        } else {
          md.append(part).append("\n\n");
          html.append("<p>").append(Table.escape(part.toString())).append("</p>\n");
        }
      }
    }
    html.append("</body></html>\n");
    AtomicFiles.writeString(dir.resolve("report.md"), md.toString());
    AtomicFiles.writeString(dir.resolve("report.html"), html.toString());
  }

  private record Section(String level, String heading, List<Object> parts) {}

  private record Image(String alt, String file) {}

  private record Line(String name, LayerMeans means, boolean dashed) {}

  private static List<Section> sections(DaiOutcome o, String command) {
    List<Section> sections = new ArrayList<>();
    var c = o.config();
    sections.add(
        new Section(
            "#",
            "Is ICL implicit fine-tuning? %s on %s"
                .formatted(o.taskName(), Path.of(c.model()).getFileName()),
            List.of(
                "Dai et al.'s comparison: ZSL (query alone), ICL (%d demonstrations, then the query) and FT (key/value projections of every layer fine-tuned with SGD, batch 1, one epoch over the same demonstrations in the same order, then the query alone)."
                    .formatted(c.shots()),
                "Settings: model %s; %d layers; demonstrations %s, seed %d; FT learning rate %s%s; recorded position: %s; answers scored by the %s; %d evaluation queries%s."
                    .formatted(
                        c.model(),
                        o.layers(),
                        c.select(),
                        c.seed(),
                        num(o.ftLr()),
                        o.lrSearch().isEmpty() ? "" : " (chosen by --lr-search on a dev split)",
                        c.position().flag(),
                        c.answerScore().describe(),
                        o.queries() - o.leftOut(),
                        o.leftOut() > 0
                            ? " (%d left out: prompt too long)".formatted(o.leftOut())
                            : ""),
                "Command: `" + command + "`")));
    Table acc = new Table("model", "ZSL", "FT", "ICL", "examples");
    o.variants()
        .forEach(
            (name, v) ->
                acc.row(
                    label(name),
                    pct(v.all().zslAccuracy()),
                    pct(v.all().ftAccuracy()),
                    pct(v.all().iclAccuracy()),
                    String.valueOf(v.all().examples())));
    double[] published = Published.ACCURACY_GPT_2_7B.get(o.taskName());
    if (published != null) {
      acc.row("published, GPT 2.7B", num(published[0]), num(published[1]), num(published[2]), "");
    }
    sections.add(new Section("##", "Accuracy (%)", List.of(acc)));
    for (String subset : List.of("all", "f2t")) {
      List<String> header = new ArrayList<>(List.of("metric"));
      o.variants().keySet().forEach(n -> header.add(label(n)));
      header.add("published 1.3B");
      header.add("published 2.7B");
      Table t = new Table(header.toArray(String[]::new));
      MetricRows rows = new MetricRows(t, o, subset);
      rows.add("examples", m -> String.valueOf(m.examples()));
      rows.add(
          "Rec2FTP (%)",
          m ->
              "%s (%d of %d)"
                  .formatted(
                      num(m.rec2ftp().percent()),
                      m.rec2ftp().iclAlsoRight(),
                      m.rec2ftp().ftFixes()),
          num(Published.REC2FTP[0]),
          num(Published.REC2FTP[1]));
      rows.add("Rec2FTP, ICL predictions permuted (chance)", m -> num(m.rec2ftpPermuted()));
      rows.add(
          "label counts: gold / ZSL / ICL / FT",
          m ->
              "%s / %s / %s / %s"
                  .formatted(
                      counts(m.predictions().gold()),
                      counts(m.predictions().zsl()),
                      counts(m.predictions().icl()),
                      counts(m.predictions().ft())));
      rows.add(
          "SimAOU",
          m -> num(m.simAou().overall()),
          num(Published.SIMAOU[0]),
          num(Published.SIMAOU[1]));
      rows.add("SimAOU, random baseline", m -> num(m.simAouRandom().overall()), "~0", "~0");
      rows.add(
          "SimAOU, mismatched baseline (another example's FT update)",
          m -> num(m.simAouMismatched().overall()));
      rows.add("SimAOU minus mismatched", m -> num(m.simAouSpecific().overall()));
      rows.add("SimAM (ICL vs FT)", m -> num(m.simAm().overall()));
      rows.add(
          "SimAM baseline (ICL vs ZSL)", m -> num(m.simAm().overall() - m.simAmDelta().overall()));
      rows.add("SimAM_delta", m -> num(m.simAmDelta().overall()));
      sections.add(
          new Section(
              "##",
              subset.equals("all")
                  ? "Similarity, all examples"
                  : "Similarity, F2T subset (ZSL wrong, FT right, ICL right)",
              List.of(t)));
    }
    List<Object> layers = new ArrayList<>();
    layers.add(new Image("SimAOU per layer", SIMAOU_PNG));
    layers.add(new Image("SimAM per layer", SIMAM_PNG));
    for (Map.Entry<String, DaiOutcome.Variant> e : o.variants().entrySet()) {
      DaiMetrics m = e.getValue().subset(c.subset());
      Table t =
          new Table(
              "layer",
              "SimAOU",
              "random",
              "mismatched",
              "SimAOU - mismatched",
              "SimAM (ICL vs FT)",
              "SimAM (ICL vs ZSL)",
              "SimAM_delta");
      for (int l = 0; l < o.layers(); l++) {
        t.row(
            String.valueOf(l),
            num(m.simAou().perLayer()[l]),
            num(m.simAouRandom().perLayer()[l]),
            num(m.simAouMismatched().perLayer()[l]),
            num(m.simAouSpecific().perLayer()[l]),
            num(m.simAm().perLayer()[l]),
            num(m.simAmZsl().perLayer()[l]),
            num(m.simAmDelta().perLayer()[l]));
      }
      layers.add(label(e.getKey()) + ", subset " + c.subset() + ":");
      layers.add(t);
    }
    sections.add(new Section("##", "Per layer", layers));
    List<Object> notes = new ArrayList<>(o.notes());
    notes.add(
        "Published figures: "
            + Published.SOURCE
            + "; they come from other models and serve as a reference point only.");
    if (!o.lrSearch().isEmpty()) {
      Table search = new Table("lr", "dev accuracy (%)", "dev loss of the gold answer", "failure");
      o.lrSearch()
          .forEach(
              t ->
                  search.row(
                      num(t.lr()),
                      pct(t.devAccuracy()),
                      num(t.devLoss()),
                      t.failure() == null ? "" : t.failure()));
      notes.add(
          "Learning-rate search (the best dev accuracy; ties go to the lower dev loss, then to the first listed):");
      notes.add(search);
    }
    Table time = new Table("phase", "seconds");
    o.seconds().forEach((phase, s) -> time.row(phase, "%.2f".formatted(s)));
    notes.add("Time per phase:");
    notes.add(time);
    sections.add(new Section("##", "Notes", notes));
    return sections;
  }

  /** Rows of a metric table: the metric for each variant, then the published figures. */
  private record MetricRows(Table table, DaiOutcome outcome, String subset) {
    void add(String name, Function<DaiMetrics, String> value) {
      add(name, value, "", "");
    }

    void add(
        String name, Function<DaiMetrics, String> value, String published13, String published27) {
      List<String> row = new ArrayList<>(List.of(name));
      outcome.variants().values().forEach(v -> row.add(value.apply(v.subset(subset))));
      row.add(published13);
      row.add(published27);
      table.row(row.toArray(String[]::new));
    }
  }

  private static String label(String variant) {
    return variant.equals(DaiVariants.UNTRAINED) ? "untrained control" : variant;
  }

  private static void plot(
      Path png,
      String title,
      String yTitle,
      DaiOutcome outcome,
      Function<DaiMetrics, List<Line>> lines) {
    XYChart chart = Plots.chart(720, 420, title, "layer", yTitle);
    double[] x = IntStream.range(0, outcome.layers()).asDoubleStream().toArray();
    outcome
        .variants()
        .forEach(
            (variant, v) -> {
              for (Line line : lines.apply(v.subset(outcome.config().subset()))) {
                double[] y = line.means().perLayer().clone();
                for (int i = 0; i < y.length; i++) {
                  y[i] = Double.isNaN(y[i]) ? 0 : y[i];
                }
                XYSeries series = chart.addSeries(label(variant) + ": " + line.name(), x, y);
                series.setMarker(SeriesMarkers.CIRCLE);
                if (line.dashed()) {
                  series.setLineStyle(Plots.dashes());
                }
              }
            });
    Plots.writePng(png, chart);
  }
}
