package dev.iclab.analysis.metrics;

/** Small vector helpers in double precision (recorded activations are float32). */
final class Vectors {
  private Vectors() {}

  static double[] toDouble(float[] v) {
    double[] d = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      d[i] = v[i];
    }
    return d;
  }

  static double norm(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x * x;
    }
    return Math.sqrt(s);
  }

  /** v / |v|; the zero vector stays zero. */
  static double[] normalized(float[] v) {
    double[] d = toDouble(v);
    double n = norm(d);
    if (n > 0) {
      for (int i = 0; i < d.length; i++) {
        d[i] /= n;
      }
    }
    return d;
  }

  /** Cosine similarity; 0 when either vector is zero (no direction to compare). */
  static double cosine(double[] a, double[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException(
          "cosine of vectors of different lengths " + a.length + " and " + b.length);
    }
    double dot = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
    }
    double na = norm(a);
    double nb = norm(b);
    return na == 0 || nb == 0 ? 0 : dot / (na * nb);
  }
}
