package dev.iclab.analysis;

import dev.iclab.analysis.metrics.LayerMeans;
import dev.iclab.analysis.metrics.Rec2Ftp;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Dai et al.'s numbers for one subset of the examples (all, or F2T).
 *
 * @param simAmDelta Deutch et al.'s SimAM(ICL, FT) - SimAM(ICL, ZSL), per layer and overall
 */
public record DaiMetrics(
    int examples,
    double zslAccuracy,
    double ftAccuracy,
    double iclAccuracy,
    Rec2Ftp rec2ftp,
    LayerMeans simAou,
    LayerMeans simAouRandom,
    LayerMeans simAm,
    LayerMeans simAmZsl,
    LayerMeans simAmDelta) {

  /** Metrics over every line. */
  public static DaiMetrics all(List<SampleLine> lines, int layers) {
    return of(lines, layers, line -> true);
  }

  /** Metrics over the F2T lines (ZSL wrong, FT right, ICL right). */
  public static DaiMetrics f2t(List<SampleLine> lines, int layers) {
    return of(lines, layers, SampleLine::f2t);
  }

  private static DaiMetrics of(List<SampleLine> all, int layers, Predicate<SampleLine> keep) {
    List<SampleLine> lines = all.stream().filter(keep).toList();
    boolean[] zsl = new boolean[lines.size()];
    boolean[] ft = new boolean[lines.size()];
    boolean[] icl = new boolean[lines.size()];
    for (int i = 0; i < lines.size(); i++) {
      zsl[i] = lines.get(i).zslRight();
      ft[i] = lines.get(i).ftRight();
      icl[i] = lines.get(i).iclRight();
    }
    return new DaiMetrics(
        lines.size(),
        accuracy(zsl),
        accuracy(ft),
        accuracy(icl),
        Rec2Ftp.of(zsl, ft, icl),
        means(lines, layers, SampleLine::simAou),
        means(lines, layers, SampleLine::simAouRandom),
        means(lines, layers, SampleLine::simAm),
        means(lines, layers, SampleLine::simAmZsl),
        means(lines, layers, DaiMetrics::simAmDelta));
  }

  private static double[] simAmDelta(SampleLine line) {
    double[] delta = line.simAm().clone();
    for (int l = 0; l < delta.length; l++) {
      delta[l] -= line.simAmZsl()[l];
    }
    return delta;
  }

  private static LayerMeans means(
      List<SampleLine> lines, int layers, Function<SampleLine, double[]> metric) {
    return LayerMeans.of(lines.stream().map(metric).toList(), layers);
  }

  private static double accuracy(boolean[] right) {
    if (right.length == 0) {
      return Double.NaN;
    }
    int n = 0;
    for (boolean r : right) {
      n += r ? 1 : 0;
    }
    return (double) n / right.length;
  }
}
