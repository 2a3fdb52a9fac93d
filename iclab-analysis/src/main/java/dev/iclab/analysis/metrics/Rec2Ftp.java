package dev.iclab.analysis.metrics;

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
}
