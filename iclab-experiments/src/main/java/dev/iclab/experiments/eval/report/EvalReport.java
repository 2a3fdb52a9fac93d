package dev.iclab.experiments.eval.report;

import dev.iclab.AtomicFiles;
import dev.iclab.experiments.eval.report.EvalPlots.BarPoint;
import dev.iclab.experiments.eval.report.EvalPlots.BoxPoint;
import dev.iclab.experiments.eval.report.EvalPlots.ShotPoint;
import dev.iclab.icl.run.Summary;
import dev.iclab.icl.run.Summary.Run;
import dev.iclab.icl.run.Summary.Setting;
import dev.iclab.report.Figures;
import dev.iclab.report.Html;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * report.html of an {@code iclab eval} run, with the PNG plots its grid makes meaningful: accuracy
 * against shots (two shot counts or more), Min et al.'s label variants as bars (two variants or
 * more), Lu et al.'s spread over demonstration orders as a box per setting (permutations, GlobalE /
 * LocalE, or two orders or more), and calibration before and after (none and contextual both run).
 * Read from samples.jsonl and the summary rows; writes nothing else.
 */
public final class EvalReport {
  public static final String HTML = "report.html";
  public static final String SHOTS_PNG = "accuracy_by_shots.png";
  public static final String LABELS_PNG = "label_variants.png";
  public static final String ORDERS_PNG = "order_spread.png";
  public static final String CALIBRATION_PNG = "calibration.png";

  private EvalReport() {}

  /** A dimension of the grid besides shots, as samples.jsonl names it. */
  enum Dim {
    SELECT(Setting::select),
    ORDER(Setting::order),
    LABELS(Setting::labels),
    SCORING(Setting::scoring),
    CALIBRATE(Setting::calibrate);

    final Function<Setting, String> value;

    Dim(Function<Setting, String> value) {
      this.value = value;
    }

    String flag() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Whether zero-shot runs carry a value ("-" for the demonstrations' dimensions). */
    boolean atZeroShots() {
      return this == SCORING || this == CALIBRATE;
    }
  }

  /**
   * Writes the plots and report.html into {@code dir}, each atomically.
   *
   * @return the PNG files written, in the order the report shows them
   */
  public static List<String> write(Path dir, String task, List<Run> runs, List<Summary.Row> rows) {
    Grid grid = new Grid(runs);
    StringBuilder body = new StringBuilder();
    body.append(
        "<p>%d settings, %d runs (a run is a seed, and for <code>--order permutations</code>, globale or locale one order of its demonstrations). Accuracy is the share of evaluation queries whose best-scoring label word is the gold one; zero-shot runs once (the first seed). Every query is in <code>samples.jsonl</code>, the table in <code>summary.json</code>, the settings in <code>run.json</code>.</p>\n"
            .formatted(rows.size(), runs.size()));
    Figures figures = new Figures(dir);
    List<ShotPoint> shots = grid.shotPoints();
    figures.add(
        !shots.isEmpty(),
        SHOTS_PNG,
        () -> EvalPlots.accuracyByShots(task, shots),
        "Accuracy against shots",
        "Mean over runs with &plusmn; sample std as error bars; each run is a dot. Zero-shot accuracy (if run) starts every line of the same scoring and calibration.");
    List<BarPoint> labels = grid.labelPoints();
    figures.add(
        !labels.isEmpty(),
        LABELS_PNG,
        () -> EvalPlots.bars(task + ": demonstration labels", "label variant", labels),
        "Label variants (Min et al. 2022)",
        "Mean accuracy with &plusmn; sample std over runs, per label variant.");
    List<BoxPoint> orders = grid.orderPoints();
    figures.add(
        !orders.isEmpty(),
        ORDERS_PNG,
        () -> EvalPlots.boxes(task + ": spread over orders", "setting", orders),
        "Demonstration orders (Lu et al. 2022)",
        "One box per setting over its runs (seeds and orders): median and quartiles, whiskers to the farthest run within 1.5 interquartile ranges, runs beyond as crosses.");
    List<BarPoint> calibration = grid.calibrationPoints();
    figures.add(
        !calibration.isEmpty(),
        CALIBRATION_PNG,
        () -> EvalPlots.bars(task + ": contextual calibration", "setting", calibration),
        "Calibration (Zhao et al. 2021)",
        "Mean accuracy with &plusmn; sample std over runs, before (none) and after contextual calibration.");
    List<String> pngs = figures.written();
    body.append(figures.html());
    if (pngs.isEmpty()) {
      body.append(
          "<p>One shot count, one label variant, one order and no calibration to compare: the table is the whole result.</p>\n");
    }
    body.append("<h2>Summary</h2>\n").append(table(rows));
    AtomicFiles.writeString(dir.resolve(HTML), Html.page("iclab eval: " + task, body.toString()));
    return pngs;
  }

  private static String table(List<Summary.Row> rows) {
    List<List<String>> cells = new ArrayList<>();
    for (Summary.Row r : rows) {
      cells.add(
          List.of(
              r.setting(),
              String.valueOf(r.runs()),
              String.valueOf(r.examples()),
              percent("%.1f ± %.1f", r.accuracyMean(), r.accuracyStd()),
              percent("%.1f ± %.1f", r.macroF1Mean(), r.macroF1Std()),
              percent("%.1f / %.1f / %.1f", r.accuracyMin(), r.accuracyMedian(), r.accuracyMax())));
    }
    return Html.table(
        List.of("setting", "runs", "n", "accuracy (%)", "macro-F1 (%)", "acc min / median / max"),
        cells);
  }

  private static String percent(String format, double... fractions) {
    Object[] values = new Object[fractions.length];
    for (int i = 0; i < fractions.length; i++) {
      values[i] = 100 * fractions[i];
    }
    return String.format(Locale.ROOT, format, values);
  }

  /** The runs of one evaluation and which of its dimensions vary. */
  static final class Grid {
    private final List<Run> runs;
    private final List<Run> demos;
    private final Set<Dim> varying;

    Grid(List<Run> runs) {
      this.runs = runs;
      this.demos = runs.stream().filter(r -> r.setting().shots() > 0).toList();
      this.varying = EnumSet.noneOf(Dim.class);
      for (Dim d : Dim.values()) {
        List<Run> carrying = d.atZeroShots() ? runs : demos;
        if (carrying.stream().map(r -> d.value.apply(r.setting())).distinct().count() > 1) {
          varying.add(d);
        }
      }
    }

    /**
     * Accuracy per run against shots, a series per combination of the varying dimensions; the
     * zero-shot runs join every series of their scoring and calibration. Empty with one shot count.
     */
    List<ShotPoint> shotPoints() {
      if (runs.stream().map(r -> r.setting().shots()).distinct().count() < 2 || demos.isEmpty()) {
        return List.of();
      }
      Set<Dim> named = varying.isEmpty() ? EnumSet.of(Dim.SELECT, Dim.ORDER, Dim.LABELS) : varying;
      Map<String, Setting> series = new LinkedHashMap<>();
      demos.forEach(r -> series.putIfAbsent(name(r.setting(), named, false), r.setting()));
      List<ShotPoint> points = new ArrayList<>();
      for (Run r : runs) {
        Setting s = r.setting();
        if (s.shots() > 0) {
          points.add(point(name(s, named, false), r));
        } else {
          series.forEach(
              (name, demo) -> {
                if (demo.scoring().equals(s.scoring()) && demo.calibrate().equals(s.calibrate())) {
                  points.add(point(name, r));
                }
              });
        }
      }
      return points;
    }

    /** Accuracy per run, a bar per label variant; empty unless two variants or more were run. */
    List<BarPoint> labelPoints() {
      if (!varying.contains(Dim.LABELS)) {
        return List.of();
      }
      return demos.stream()
          .map(
              r ->
                  new BarPoint(
                      name(r.setting(), without(Dim.LABELS), true),
                      r.setting().labels(),
                      r.accuracy()))
          .toList();
    }

    /**
     * Accuracy per run, a box per setting with demonstrations; empty unless some setting has
     * several orders per seed or two orders or more were run.
     */
    List<BoxPoint> orderPoints() {
      Map<Setting, List<Run>> bySetting =
          demos.stream()
              .collect(
                  Collectors.groupingBy(Run::setting, LinkedHashMap::new, Collectors.toList()));
      boolean severalOrders =
          varying.contains(Dim.ORDER)
              || bySetting.values().stream()
                  .anyMatch(rs -> rs.stream().map(Run::seed).distinct().count() < rs.size());
      if (!severalOrders) {
        return List.of();
      }
      Set<Dim> named = EnumSet.copyOf(varying);
      named.add(Dim.ORDER);
      return demos.stream()
          .map(r -> new BoxPoint(name(r.setting(), named, true), r.accuracy()))
          .toList();
    }

    /**
     * Accuracy per run, bars per setting in two groups, none and contextual; empty unless both were
     * run.
     */
    List<BarPoint> calibrationPoints() {
      Set<String> values =
          runs.stream().map(r -> r.setting().calibrate()).collect(Collectors.toSet());
      if (!values.containsAll(List.of("none", "contextual"))) {
        return List.of();
      }
      return runs.stream()
          .map(
              r ->
                  new BarPoint(
                      r.setting().calibrate().equals("none")
                          ? "before (none)"
                          : "after (" + r.setting().calibrate() + ")",
                      name(r.setting(), without(Dim.CALIBRATE), true),
                      r.accuracy()))
          .toList();
    }

    private Set<Dim> without(Dim dim) {
      Set<Dim> dims = varying.isEmpty() ? EnumSet.noneOf(Dim.class) : EnumSet.copyOf(varying);
      dims.remove(dim);
      return dims;
    }

    /**
     * The setting's values of {@code dims} (those of the demonstrations skipped at zero shots),
     * after its shots if {@code withShots}.
     */
    private String name(Setting s, Set<Dim> dims, boolean withShots) {
      List<String> parts = new ArrayList<>();
      if (withShots) {
        parts.add("shots=" + s.shots());
      }
      for (Dim d : dims) {
        if (s.shots() > 0 || d.atZeroShots()) {
          parts.add(d.flag() + "=" + d.value.apply(s));
        }
      }
      return String.join(" ", parts);
    }

    private static ShotPoint point(String series, Run r) {
      return new ShotPoint(series, r.setting().shots(), Long.parseLong(r.seed()), r.accuracy());
    }
  }
}
