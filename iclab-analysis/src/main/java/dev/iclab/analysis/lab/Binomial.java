package dev.iclab.analysis.lab;

/** The exact two-sided binomial test at p = 1/2: is an accuracy at chance? */
public final class Binomial {
  private Binomial() {}

  /**
   * The probability, under Binomial(n, 1/2), of an outcome at most as likely as {@code k}: by
   * symmetry twice the smaller tail, capped at 1.
   */
  public static double twoSidedHalf(int k, int n) {
    if (n < 0 || k < 0 || k > n) {
      throw new IllegalArgumentException("k=" + k + " of n=" + n);
    }
    int extreme = Math.min(k, n - k);
    double tail = 0;
    double logChoose = 0; // log C(n, i), updated as i grows
    double logHalfPowerN = n * Math.log(0.5);
    for (int i = 0; i <= extreme; i++) {
      if (i > 0) {
        logChoose += Math.log(n - i + 1) - Math.log(i);
      }
      tail += Math.exp(logChoose + logHalfPowerN);
    }
    return Math.min(1, 2 * tail);
  }
}
