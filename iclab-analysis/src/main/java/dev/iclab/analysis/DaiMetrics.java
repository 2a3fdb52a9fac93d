package dev.iclab.analysis;

import dev.iclab.analysis.metrics.LayerMeans;
import dev.iclab.analysis.metrics.Rec2Ftp;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * Dai et al.'s numbers for one subset of the examples (all, or F2T), with the controls they need.
 *
 * @param rec2ftpPermuted Rec2FTP's chance level: its expected value with ICL's predictions shuffled
 *     across the examples ({@link Rec2Ftp#permutedPercent})
 * @param predictions how often each label is the gold one and each setting's prediction
 * @param simAouMismatched the mismatched baseline: ICL update of one example vs the FT update of
 *     another, per layer (over the examples that have a partner)
 * @param simAouSpecific SimAOU minus the mismatched baseline, per layer, over the same examples
 * @param simAmDelta Deutch et al.'s SimAM(ICL, FT) - SimAM(ICL, ZSL), per layer and overall
 */
public record DaiMetrics(
    int examples,
    double zslAccuracy,
    double ftAccuracy,
    double iclAccuracy,
    Rec2Ftp rec2ftp,
    double rec2ftpPermuted,
    Predictions predictions,
    LayerMeans simAou,
    LayerMeans simAouRandom,
    LayerMeans simAouMismatched,
    LayerMeans simAouSpecific,
    LayerMeans simAm,
    LayerMeans simAmZsl,
    LayerMeans simAmDelta) {

  /** Per label: how many examples have it as gold label, and as each setting's prediction. */
  public record Predictions(int[] gold, int[] zsl, int[] icl, int[] ft) {
    public Predictions {
      gold = gold.clone();
      zsl = zsl.clone();
      icl = icl.clone();
      ft = ft.clone();
    }

    static Predictions of(List<SampleLine> lines) {
      int labels = lines.isEmpty() ? 0 : lines.get(0).zsl().length;
      return new Predictions(
          counts(lines, labels, SampleLine::label),
          counts(lines, labels, SampleLine::zslPrediction),
          counts(lines, labels, SampleLine::iclPrediction),
          counts(lines, labels, SampleLine::ftPrediction));
    }

    private static int[] counts(List<SampleLine> lines, int labels, ToIntFunction<SampleLine> f) {
      int[] counts = new int[labels];
      lines.forEach(l -> counts[f.applyAsInt(l)]++);
      return counts;
    }
  }

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
    int n = lines.size();
    boolean[] zsl = new boolean[n];
    boolean[] ft = new boolean[n];
    boolean[] icl = new boolean[n];
    int[] iclPrediction = new int[n];
    int[] gold = new int[n];
    for (int i = 0; i < n; i++) {
      SampleLine line = lines.get(i);
      zsl[i] = line.zslRight();
      ft[i] = line.ftRight();
      icl[i] = line.iclRight();
      iclPrediction[i] = line.iclPrediction();
      gold[i] = line.label();
    }
    List<SampleLine> paired = lines.stream().filter(SampleLine::hasMismatched).toList();
    return new DaiMetrics(
        n,
        accuracy(zsl),
        accuracy(ft),
        accuracy(icl),
        Rec2Ftp.of(zsl, ft, icl),
        Rec2Ftp.permutedPercent(zsl, ft, iclPrediction, gold),
        Predictions.of(lines),
        means(lines, layers, SampleLine::simAou),
        means(lines, layers, SampleLine::simAouRandom),
        means(paired, layers, SampleLine::simAouMismatched),
        means(paired, layers, SampleLine::simAouSpecific),
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
