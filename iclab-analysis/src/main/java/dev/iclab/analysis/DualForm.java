package dev.iclab.analysis;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.iclab.IclabException;
import dev.iclab.tensor.MachineMemory;
import dev.iclab.tensor.Tensors;
import java.util.SplittableRandom;

/**
 * Dai et al.'s dual form on one linear-attention layer (no softmax), in float64.
 *
 * <p>Attention of a query vector {@code q} over the keys and values of [demonstrations; query
 * tokens] is {@code sum_j v_j (k_j . q)}. Split the sum: the query tokens' part is {@code W_ZSL q}
 * with {@code W_ZSL = sum_{j in query} v_j k_j^T}, the demonstrations' part is {@code dW_ICL q}
 * with {@code dW_ICL = sum_{i in demos} v_i k_i^T}. So attention = {@code (W_ZSL + dW_ICL) q}: the
 * demonstrations act as an update of a linear layer's weights.
 *
 * <p>That update is then compared with gradient descent on a linear layer {@code W}, started at
 * {@code W_ZSL}, fed the demonstrations' keys, with gradients from back-propagation (the engine's
 * autograd): for the loss {@code -sum_i v_i . (W k_i)} one step of rate 1 gives exactly {@code
 * dW_ICL} (the paper's reading: the values are meta-gradients); for a squared-error regression of
 * {@code v_i} on {@code k_i} it gives {@code dW_ICL - W_ZSL sum_i k_i k_i^T}, whose cosine with
 * {@code dW_ICL} shows how far a usual loss is from the dual form.
 *
 * @param relativeError |direct - dual| / |direct|
 * @param linearLossCosine cosine(dW_ICL, GD update of the linear "meta-gradient" loss)
 * @param linearLossRelativeDifference |dW_ICL - that update| / |dW_ICL|
 * @param squaredLossCosine cosine(dW_ICL, GD update of the squared-error loss)
 */
public record DualForm(
    int inputDim,
    int headDim,
    int demoTokens,
    int queryTokens,
    long seed,
    double[] direct,
    double[] dual,
    double relativeError,
    double[][] deltaIcl,
    double[][] gdLinearLoss,
    double[][] gdSquaredLoss,
    double linearLossCosine,
    double linearLossRelativeDifference,
    double squaredLossCosine) {

  /** Runs the check with Gaussian inputs and projections drawn from {@code seed}. */
  public static DualForm check(
      int inputDim, int headDim, int demoTokens, int queryTokens, long seed) {
    if (inputDim < 1 || headDim < 1 || demoTokens < 1 || queryTokens < 1) {
      throw new IclabException(
          "dual-form needs positive sizes; got d=%d, d_k=%d, demos=%d, query=%d"
              .formatted(inputDim, headDim, demoTokens, queryTokens));
    }
    // The float64 matrices below (projections, tokens, outer sums), counted before any is made.
    double bytes =
        8
            * (3.0 * headDim * inputDim
                + (double) (demoTokens + queryTokens) * (inputDim + 2.0 * headDim)
                + 8.0 * headDim * headDim);
    long heap = Runtime.getRuntime().maxMemory();
    if (bytes > heap / 2) {
      throw new IclabException(
          "dual-form with d=%d, d_k=%d, demos=%d needs about %s but Java has %s; lower --dim, --head-dim or --demo-tokens"
              .formatted(
                  inputDim,
                  headDim,
                  demoTokens,
                  MachineMemory.gib(bytes),
                  MachineMemory.gib(heap)));
    }
    SplittableRandom random = new SplittableRandom(seed);
    double scale = 1 / Math.sqrt(inputDim);
    double[][] wk = gaussian(random, headDim, inputDim, scale);
    double[][] wv = gaussian(random, headDim, inputDim, scale);
    double[][] wq = gaussian(random, headDim, inputDim, scale);
    double[][] demos = gaussian(random, demoTokens, inputDim, 1);
    double[][] query = gaussian(random, queryTokens, inputDim, 1);
    double[] q = times(wq, query[queryTokens - 1]);

    // Direct: attention over every key, no softmax.
    double[] direct = new double[headDim];
    for (double[][] tokens : new double[][][] {demos, query}) {
      for (double[] x : tokens) {
        double[] k = times(wk, x);
        double[] v = times(wv, x);
        double weight = dot(k, q);
        for (int r = 0; r < headDim; r++) {
          direct[r] += v[r] * weight;
        }
      }
    }
    double[][] wZsl = outerSum(wk, wv, query);
    double[][] deltaIcl = outerSum(wk, wv, demos);
    double[] dual = times(add(wZsl, deltaIcl), q);
    double relativeError = norm(minus(direct, dual)) / norm(direct);

    double[][] keys = new double[demoTokens][];
    double[][] values = new double[demoTokens][];
    for (int i = 0; i < demoTokens; i++) {
      keys[i] = times(wk, demos[i]);
      values[i] = times(wv, demos[i]);
    }
    double[][] gdLinear = gradientStep(wZsl, keys, values, false);
    double[][] gdSquared = gradientStep(wZsl, keys, values, true);
    double[] icl = flatten(deltaIcl);
    double[] linear = flatten(gdLinear);
    return new DualForm(
        inputDim,
        headDim,
        demoTokens,
        queryTokens,
        seed,
        direct,
        dual,
        relativeError,
        deltaIcl,
        gdLinear,
        gdSquared,
        cosine(icl, linear),
        norm(minus(icl, linear)) / norm(icl),
        cosine(icl, flatten(gdSquared)));
  }

  /**
   * {@code -grad L} at {@code w0} by back-propagation through {@code W k_i}: L = -sum_i v_i . (W
   * k_i), or 1/2 sum_i |W k_i - v_i|^2 when {@code squared}.
   */
  private static double[][] gradientStep(
      double[][] w0, double[][] keys, double[][] values, boolean squared) {
    int rows = w0.length;
    int n = keys.length;
    try (NDManager manager = Tensors.newManager(Tensors.device("cpu"))) {
      NDArray w = manager.create(flatten(w0), new Shape(rows, rows));
      NDArray k = manager.create(flatten(keys), new Shape(n, rows));
      NDArray v = manager.create(flatten(values), new Shape(n, rows));
      w.setRequiresGradient(true);
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray outputs = k.matMul(w.transpose()); // row i = W k_i
        NDArray loss =
            squared ? outputs.sub(v).square().sum().mul(0.5) : outputs.mul(v).sum().neg();
        collector.backward(loss);
      }
      double[] gradient = w.getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
      double[][] step = new double[rows][rows];
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < rows; c++) {
          step[r][c] = -gradient[r * rows + c];
        }
      }
      return step;
    }
  }

  private static double[][] gaussian(SplittableRandom random, int rows, int cols, double scale) {
    double[][] m = new double[rows][cols];
    for (double[] row : m) {
      for (int c = 0; c < cols; c++) {
        row[c] = random.nextGaussian() * scale;
      }
    }
    return m;
  }

  /** sum over tokens x of (W_V x)(W_K x)^T. */
  private static double[][] outerSum(double[][] wk, double[][] wv, double[][] tokens) {
    int d = wk.length;
    double[][] sum = new double[d][d];
    for (double[] x : tokens) {
      double[] k = times(wk, x);
      double[] v = times(wv, x);
      for (int r = 0; r < d; r++) {
        for (int c = 0; c < d; c++) {
          sum[r][c] += v[r] * k[c];
        }
      }
    }
    return sum;
  }

  private static double[] times(double[][] m, double[] x) {
    double[] y = new double[m.length];
    for (int r = 0; r < m.length; r++) {
      y[r] = dot(m[r], x);
    }
    return y;
  }

  private static double[][] add(double[][] a, double[][] b) {
    double[][] sum = new double[a.length][];
    for (int r = 0; r < a.length; r++) {
      sum[r] = a[r].clone();
      for (int c = 0; c < sum[r].length; c++) {
        sum[r][c] += b[r][c];
      }
    }
    return sum;
  }

  private static double[] minus(double[] a, double[] b) {
    double[] d = a.clone();
    for (int i = 0; i < d.length; i++) {
      d[i] -= b[i];
    }
    return d;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  private static double norm(double[] a) {
    return Math.sqrt(dot(a, a));
  }

  private static double cosine(double[] a, double[] b) {
    return dot(a, b) / (norm(a) * norm(b));
  }

  private static double[] flatten(double[][] m) {
    int cols = m[0].length;
    double[] flat = new double[m.length * cols];
    for (int r = 0; r < m.length; r++) {
      System.arraycopy(m[r], 0, flat, r * cols, cols);
    }
    return flat;
  }
}
