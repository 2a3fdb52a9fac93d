package dev.iclab.analysis.metrics;

import java.util.HashMap;
import java.util.Map;

/**
 * Recall to fine-tuning predictions (Dai et al. 2023): of the examples that fine-tuning fixes (ZSL
 * wrong, FT right), the share ICL also gets right, in percent.
 *
 * @param ftFixes #(ZSL wrong, FT right)
 * @param iclAlsoRight #(ZSL wrong, FT right, ICL right): the F2T examples
 */
public record Rec2Ftp(int ftFixes, int iclAlsoRight) {
  public Rec2Ftp {
    if (ftFixes < 0 || iclAlsoRight < 0 || iclAlsoRight > ftFixes) {
      throw new IllegalArgumentException(
          "impossible counts: " + iclAlsoRight + " of " + ftFixes + " fixed by FT");
    }
  }

  /** Counts over examples; the three arrays say, per example, whether each setting was right. */
  public static Rec2Ftp of(boolean[] zslRight, boolean[] ftRight, boolean[] iclRight) {
    if (zslRight.length != ftRight.length || ftRight.length != iclRight.length) {
      throw new IllegalArgumentException("ZSL, FT and ICL outcomes of different lengths");
    }
    int fixes = 0;
    int both = 0;
    for (int i = 0; i < zslRight.length; i++) {
      if (isFtFix(zslRight[i], ftRight[i])) {
        fixes++;
        if (iclRight[i]) {
          both++;
        }
      }
    }
    return new Rec2Ftp(fixes, both);
  }

  /** Whether an example is in the F2T subset (ZSL wrong, FT right, ICL right). */
  public static boolean isF2t(boolean zslRight, boolean ftRight, boolean iclRight) {
    return isFtFix(zslRight, ftRight) && iclRight;
  }

  private static boolean isFtFix(boolean zslRight, boolean ftRight) {
    return !zslRight && ftRight;
  }

  /** The percentage, or NaN when fine-tuning fixed nothing. */
  public double percent() {
    return ftFixes == 0 ? Double.NaN : 100.0 * iclAlsoRight / ftFixes;
  }

  /**
   * Rec2FTP's chance level: the expected percentage when ICL's predictions are shuffled across the
   * examples (the mean over all permutations), which keeps ICL's prediction distribution and breaks
   * its link with each example. When ZSL and ICL each predict one label almost always, "ZSL wrong"
   * selects the examples whose gold label ICL predicts and Rec2FTP is near 100 at ICL chance; this
   * control is near 100 too. Exact: under a uniform permutation an example receives each of the n
   * predictions with probability 1/n, so the expected number of FT fixes that ICL gets right is the
   * sum over fixes of #(ICL predicts that fix's gold label) / n.
   *
   * @return the percentage, or NaN when fine-tuning fixed nothing
   */
  public static double permutedPercent(
      boolean[] zslRight, boolean[] ftRight, int[] iclPrediction, int[] gold) {
    int n = zslRight.length;
    if (ftRight.length != n || iclPrediction.length != n || gold.length != n) {
      throw new IllegalArgumentException("outcomes of different lengths");
    }
    Map<Integer, Integer> predicted = new HashMap<>();
    for (int p : iclPrediction) {
      predicted.merge(p, 1, Integer::sum);
    }
    int fixes = 0;
    double expectedRight = 0;
    for (int i = 0; i < n; i++) {
      if (isFtFix(zslRight[i], ftRight[i])) {
        fixes++;
        expectedRight += predicted.getOrDefault(gold[i], 0) / (double) n;
      }
    }
    return fixes == 0 ? Double.NaN : 100.0 * expectedRight / fixes;
  }
}
