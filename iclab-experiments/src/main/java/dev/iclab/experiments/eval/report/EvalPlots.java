package dev.iclab.experiments.eval.report;

import dev.iclab.icl.run.Metrics;
import dev.iclab.report.Plots;
import java.awt.Color;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.knowm.xchart.BoxChart;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The plots of evaluation results, from plain records so that one run's report and a sweep over
 * many runs draw them the same way: accuracy against shots with the spread over seeds (mean line,
 * &plusmn; sample std as error bars, every run as a dot), grouped bars with error bars (Min et
 * al.'s label variants, calibration before and after), and one box per setting (Lu et al.'s spread
 * over demonstration orders). Accuracies are fractions in the records and percentages on the axes.
 */
public final class EvalPlots {
  static final int WIDTH = 760;
  static final int HEIGHT = 440;

  private EvalPlots() {}

  /**
   * One run's accuracy at a shot count.
   *
   * @param series the line it belongs to (a selection, order or label variant; a model or task)
   * @param seed the run's seed (several points may share one: the orders of a permutation run)
   */
  public record ShotPoint(String series, int shots, long seed, double accuracy) {}

  /** One run's accuracy, drawn as part of bar {@code bar} in the group {@code group}. */
  public record BarPoint(String group, String bar, double accuracy) {}

  /** One run's accuracy, part of the box {@code box}. */
  public record BoxPoint(String box, double accuracy) {}

  /**
   * The runs of one series at one shot count (or of one bar): their number, mean, sample std (n -
   * 1; 0 for one run), min and max.
   */
  public record Spread(
      String name, double x, int runs, double mean, double std, double min, double max) {
    static Spread of(String name, double x, List<Double> accuracies) {
      return new Spread(
          name,
          x,
          accuracies.size(),
          Metrics.mean(accuracies),
          Metrics.std(accuracies),
          Metrics.min(accuracies),
          Metrics.max(accuracies));
    }
  }

  /** Per series (in order of first appearance), its spread at each shot count, ascending. */
  public static Map<String, List<Spread>> spreadsByShots(List<ShotPoint> points) {
    Map<String, TreeMap<Integer, List<Double>>> grouped = new LinkedHashMap<>();
    for (ShotPoint p : points) {
      grouped
          .computeIfAbsent(p.series(), s -> new TreeMap<>())
          .computeIfAbsent(p.shots(), k -> new ArrayList<>())
          .add(p.accuracy());
    }
    Map<String, List<Spread>> spreads = new LinkedHashMap<>();
    grouped.forEach(
        (series, byShots) ->
            spreads.put(
                series,
                byShots.entrySet().stream()
                    .map(e -> Spread.of(series, e.getKey(), e.getValue()))
                    .toList()));
    return spreads;
  }

  /**
   * Accuracy (%) against shots: per series a line through the means with &plusmn; std error bars,
   * and each run as a dot of the same colour.
   */
  public static XYChart accuracyByShots(String title, List<ShotPoint> points) {
    XYChart chart = Plots.chart(WIDTH, HEIGHT, title, "demonstrations (shots)", "accuracy (%)");
    chart.getStyler().setErrorBarsColorSeriesColor(true);
    chart.getStyler().setXAxisDecimalPattern("#");
    Color[] palette = chart.getStyler().getSeriesColors();
    int i = 0;
    for (Map.Entry<String, List<Spread>> e : spreadsByShots(points).entrySet()) {
      Color color = palette[i++ % palette.length];
      List<Spread> spreads = e.getValue();
      XYSeries mean =
          chart.addSeries(
              e.getKey(),
              spreads.stream().mapToDouble(Spread::x).toArray(),
              spreads.stream().mapToDouble(s -> 100 * s.mean()).toArray(),
              spreads.stream().mapToDouble(s -> 100 * s.std()).toArray());
      mean.setLineColor(color);
      mean.setMarkerColor(color);
      mean.setMarker(SeriesMarkers.CIRCLE);
      List<ShotPoint> runs = points.stream().filter(p -> p.series().equals(e.getKey())).toList();
      XYSeries dots =
          chart.addSeries(
              e.getKey() + " (runs)",
              runs.stream().mapToDouble(ShotPoint::shots).toArray(),
              runs.stream().mapToDouble(p -> 100 * p.accuracy()).toArray());
      dots.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
      dots.setMarker(SeriesMarkers.DIAMOND);
      dots.setMarkerColor(new Color(color.getRed(), color.getGreen(), color.getBlue(), 110));
      dots.setShowInLegend(false);
    }
    return chart;
  }

  /**
   * Per group (in order of first appearance), the spread of each of its bars; bars in the order
   * they first appear anywhere.
   */
  public static Map<String, List<Spread>> barSpreads(List<BarPoint> points) {
    Set<String> bars = new LinkedHashSet<>();
    Map<String, Map<String, List<Double>>> grouped = new LinkedHashMap<>();
    for (BarPoint p : points) {
      bars.add(p.bar());
      grouped
          .computeIfAbsent(p.group(), g -> new LinkedHashMap<>())
          .computeIfAbsent(p.bar(), b -> new ArrayList<>())
          .add(p.accuracy());
    }
    Map<String, List<Spread>> spreads = new LinkedHashMap<>();
    grouped.forEach(
        (group, byBar) -> {
          List<Spread> list = new ArrayList<>();
          int x = 0;
          for (String bar : bars) {
            List<Double> runs = byBar.get(bar);
            if (runs != null) {
              list.add(Spread.of(bar, x, runs));
            }
            x++;
          }
          spreads.put(group, list);
        });
    return spreads;
  }

  /**
   * Grouped bars of mean accuracy (%) with &plusmn; std error bars: the bars along the x axis, one
   * coloured series per group (a bar a group lacks is drawn at 0 without error bar).
   */
  public static CategoryChart bars(String title, String xAxisTitle, List<BarPoint> points) {
    CategoryChart chart = Plots.barChart(WIDTH, HEIGHT, title, xAxisTitle, "accuracy (%)");
    chart.getStyler().setErrorBarsColorSeriesColor(false);
    chart.getStyler().setErrorBarsColor(Color.DARK_GRAY);
    List<String> bars = points.stream().map(BarPoint::bar).distinct().toList();
    slantLongLabels(chart, bars);
    barSpreads(points)
        .forEach(
            (group, spreads) -> {
              double[] means = new double[bars.size()];
              double[] errors = new double[bars.size()];
              for (Spread s : spreads) {
                means[(int) s.x()] = 100 * s.mean();
                errors[(int) s.x()] = 100 * s.std();
              }
              chart.addSeries(group, bars, boxed(means), boxed(errors));
            });
    return chart;
  }

  /** One box of accuracies (%) per box name, in order of first appearance. */
  public static BoxChart boxes(String title, String xAxisTitle, List<BoxPoint> points) {
    BoxChart chart = Plots.boxChart(WIDTH, HEIGHT, title, xAxisTitle, "accuracy (%)");
    Map<String, List<Double>> byBox = new LinkedHashMap<>();
    for (BoxPoint p : points) {
      byBox.computeIfAbsent(p.box(), b -> new ArrayList<>()).add(100 * p.accuracy());
    }
    byBox.forEach(chart::addSeries);
    slantLongLabels(chart, List.copyOf(byBox.keySet()));
    return chart;
  }

  /** Slants the x axis's category labels when they are too long to stand side by side. */
  private static void slantLongLabels(
      Chart<? extends AxesChartStyler, ?> chart, List<String> labels) {
    int room = (WIDTH - 200) / Math.max(1, labels.size());
    if (labels.stream().anyMatch(l -> 7 * l.length() > room)) {
      chart.getStyler().setXAxisLabelRotation(20);
    }
  }

  private static List<Double> boxed(double[] values) {
    List<Double> list = new ArrayList<>();
    for (double v : values) {
      list.add(v);
    }
    return list;
  }
}
