package dev.iclab.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each op against a plain double-precision loop. */
class OpsTest {
  private static NDManager manager;

  @BeforeAll
  static void start() {
    manager = Tensors.newManager();
  }

  @AfterAll
  static void stop() {
    manager.close();
  }

  private static float[] random(Random random, int n, double scale) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) (random.nextGaussian() * scale);
    }
    return values;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 64, 257})
  void rmsNormMatchesLoop(int width) {
    Random random = new Random(width);
    int rows = 3;
    float[] x = random(random, rows * width, 2);
    float[] w = random(random, width, 1);
    double eps = 1e-6;
    float[] expected = new float[x.length];
    for (int r = 0; r < rows; r++) {
      double sum = 0;
      for (int i = 0; i < width; i++) {
        sum += (double) x[r * width + i] * x[r * width + i];
      }
      double inv = 1 / Math.sqrt(sum / width + eps);
      for (int i = 0; i < width; i++) {
        expected[r * width + i] = (float) (x[r * width + i] * inv * w[i]);
      }
    }
    try (NDManager scope = manager.newSubManager()) {
      NDArray got =
          Ops.rmsNorm(
              scope.create(x, new Shape(rows, width)), scope.create(w, new Shape(width)), eps);
      // float32 rounding of a normalised value of size ~3: 1e-5 absolute.
      assertArrayEquals(expected, got.toFloatArray(), 1e-5f);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 5, 64})
  void layerNormMatchesLoop(int width) {
    Random random = new Random(7 + width);
    int rows = 2;
    float[] x = random(random, rows * width, 3);
    float[] w = random(random, width, 1);
    float[] b = random(random, width, 1);
    double eps = 1e-5;
    float[] expected = new float[x.length];
    for (int r = 0; r < rows; r++) {
      double mean = 0;
      for (int i = 0; i < width; i++) {
        mean += x[r * width + i];
      }
      mean /= width;
      double var = 0;
      for (int i = 0; i < width; i++) {
        var += Math.pow(x[r * width + i] - mean, 2);
      }
      var /= width;
      for (int i = 0; i < width; i++) {
        expected[r * width + i] =
            (float) ((x[r * width + i] - mean) / Math.sqrt(var + eps) * w[i] + b[i]);
      }
    }
    try (NDManager scope = manager.newSubManager()) {
      NDArray got =
          Ops.layerNorm(
              scope.create(x, new Shape(rows, width)),
              scope.create(w, new Shape(width)),
              scope.create(b, new Shape(width)),
              eps);
      assertArrayEquals(expected, got.toFloatArray(), 1e-4f);
    }
  }

  @Test
  void activationsMatchFormulas() {
    float[] x = {-6f, -2.5f, -1f, -0.1f, 0f, 0.3f, 1f, 2f, 7f};
    try (NDManager scope = manager.newSubManager()) {
      NDArray input = scope.create(x);
      float[] erf = Ops.activation("gelu", input).toFloatArray();
      float[] tanh = Ops.activation("gelu_new", input).toFloatArray();
      float[] silu = Ops.activation("silu", input).toFloatArray();
      for (int i = 0; i < x.length; i++) {
        double v = x[i];
        double geluTanh =
            0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
        double geluErf = 0.5 * v * (1 + erf(v / Math.sqrt(2)));
        assertEquals(geluTanh, tanh[i], 1e-5, "gelu_new at " + v);
        assertEquals(geluErf, erf[i], 1e-5, "gelu at " + v);
        assertEquals(v / (1 + Math.exp(-v)), silu[i], 1e-5, "silu at " + v);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"gelu", "gelu_new", "silu", "relu"})
  void overwritingActivationGivesTheSameValues(String name) {
    float[] x = new float[257];
    Random random = new Random(5);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (random.nextGaussian() * 3);
    }
    try (NDManager scope = manager.newSubManager()) {
      float[] expected = Ops.activation(name, scope.create(x)).toFloatArray();
      NDArray input = scope.create(x);
      float[] got = Ops.activationOverwriting(name, input).toFloatArray();
      assertArrayEquals(expected, got, 0f, name); // the same steps, bit for bit
    }
  }

  @Test
  void overwritingAttentionGivesTheSameOutput() {
    Random random = new Random(9);
    try (NDManager scope = manager.newSubManager()) {
      NDArray q = scope.randomNormal(new Shape(1, 2, 5, 4));
      NDArray k = scope.randomNormal(new Shape(1, 2, 8, 4));
      NDArray v = scope.randomNormal(new Shape(1, 2, 8, 4));
      float[] mask = new float[5 * 8];
      for (int i = 0; i < mask.length; i++) {
        mask[i] = random.nextBoolean() ? 0f : Ops.MASKED;
      }
      NDArray m = scope.create(mask, new Shape(1, 1, 5, 8));
      float[] expected = Ops.attention(q, k, v, m, 0.5, 0, 3, null, false).toFloatArray();
      float[] got = Ops.attention(q, k, v, m, 0.5, 0, 3, null, true).toFloatArray();
      assertArrayEquals(expected, got, 0f);
      assertArrayEquals(mask, m.toFloatArray(), 0f);
    }
  }

  /** Abramowitz-Stegun 7.1.26 is too coarse; use a series/continued fraction good to 1e-12. */
  private static double erf(double x) {
    double t = Math.abs(x);
    double sum;
    if (t < 3) {
      double term = t;
      sum = t;
      for (int n = 1; n < 200; n++) {
        term *= -t * t / n;
        sum += term / (2 * n + 1);
      }
      sum *= 2 / Math.sqrt(Math.PI);
    } else {
      sum = 1;
    }
    return Math.signum(x) * sum;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void groupedAttentionMatchesLoop(int groups) {
    int batch = 2, kvHeads = 2, heads = kvHeads * groups, queries = 3, past = 2, dim = 4;
    int keys = past + queries;
    Random random = new Random(11 * groups);
    float[] q = random(random, batch * heads * queries * dim, 1);
    float[] k = random(random, batch * kvHeads * keys * dim, 1);
    float[] v = random(random, batch * kvHeads * keys * dim, 1);
    float[] padding = {1, 1, 1, 1, 1, 0, 1, 1, 1, 1}; // batch 1: first key is padding
    double scale = 1 / Math.sqrt(dim);
    float[] expected = new float[batch * heads * queries * dim];
    for (int b = 0; b < batch; b++) {
      for (int h = 0; h < heads; h++) {
        int kh = h / groups;
        for (int i = 0; i < queries; i++) {
          double[] s = new double[keys];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < keys; j++) {
            boolean visible = j <= past + i && padding[b * keys + j] > 0;
            if (!visible) {
              s[j] = Double.NEGATIVE_INFINITY;
              continue;
            }
            double dot = 0;
            for (int d = 0; d < dim; d++) {
              dot +=
                  q[((b * heads + h) * queries + i) * dim + d]
                      * k[((b * kvHeads + kh) * keys + j) * dim + d];
            }
            s[j] = dot * scale;
            max = Math.max(max, s[j]);
          }
          double z = 0;
          for (int j = 0; j < keys; j++) {
            s[j] = Math.exp(s[j] - max);
            z += s[j];
          }
          for (int d = 0; d < dim; d++) {
            double out = 0;
            for (int j = 0; j < keys; j++) {
              out += s[j] / z * v[((b * kvHeads + kh) * keys + j) * dim + d];
            }
            expected[((b * heads + h) * queries + i) * dim + d] = (float) out;
          }
        }
      }
    }
    List<int[]> observed = new ArrayList<>();
    AttentionObserver observer =
        new AttentionObserver() {
          @Override
          public boolean observes(int layer) {
            return layer == 3;
          }

          @Override
          public void onAttention(int layer, int offset, NDArray scores, NDArray probs) {
            observed.add(new int[] {layer, offset, (int) probs.getShape().get(3)});
            float[] sums = probs.sum(new int[] {-1}).toFloatArray();
            for (float sum : sums) {
              assertEquals(1f, sum, 1e-5f);
            }
          }
        };
    try (NDManager scope = manager.newSubManager()) {
      NDArray mask =
          Ops.attentionMask(
              scope, batch, queries, past, scope.create(padding, new Shape(batch, keys)));
      NDArray out =
          Ops.attention(
              scope.create(q, new Shape(batch, heads, queries, dim)),
              scope.create(k, new Shape(batch, kvHeads, keys, dim)),
              scope.create(v, new Shape(batch, kvHeads, keys, dim)),
              mask,
              scale,
              3,
              past,
              observer,
              false);
      assertArrayEquals(expected, out.toFloatArray(), 1e-5f);
    }
    assertEquals(1, observed.size());
    assertArrayEquals(new int[] {3, past, keys}, observed.get(0));
  }
}
