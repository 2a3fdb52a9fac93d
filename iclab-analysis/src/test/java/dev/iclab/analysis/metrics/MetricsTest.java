package dev.iclab.analysis.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsTest {
  private static final double EPS = 1e-12;

  @Test
  void simAouIsOneForIdenticalUpdatesAndZeroForOrthogonalOnes() {
    float[] zsl = {1, 0, 0};
    // ICL and FT move the same way: identical updates
    assertEquals(1.0, SimAou.of(zsl, new float[] {1, 1, 0}, new float[] {1, 1, 0}), EPS);
    // Scale does not matter: outputs are normalised first
    assertEquals(1.0, SimAou.of(zsl, new float[] {2, 2, 0}, new float[] {5, 5, 0}), EPS);
    // Opposite tilts: updates (-1+1/sqrt2, +1/sqrt2, 0) and (-1+1/sqrt2, -1/sqrt2, 0)
    double a = 1 / Math.sqrt(2) - 1;
    double b = 1 / Math.sqrt(2);
    double expected = (a * a - b * b) / (a * a + b * b);
    assertEquals(expected, SimAou.of(zsl, new float[] {1, 1, 0}, new float[] {1, -1, 0}), EPS);
  }

  @Test
  void simAouOfOrthogonalUpdatesIsZero() {
    // updates (-1, 1, 0) and (-1, -1, 0): orthogonal
    float[] zsl = {1, 0, 0};
    assertEquals(0.0, SimAou.of(zsl, new float[] {0, 4, 0}, new float[] {0, -2, 0}), EPS);
    // a zero ZSL output has no direction: the updates are the normalised outputs themselves
    assertEquals(0.0, SimAou.of(new float[3], new float[] {0, 3, 0}, new float[] {0, 0, 7}), EPS);
  }

  @Test
  void simAouBaselineIsTheCosineWithTheRandomVector() {
    float[] zsl = {0, 0};
    float[] icl = {3, 4};
    assertEquals((3 * 1 + 4 * 0) / 5.0, SimAou.baseline(zsl, icl, new double[] {2, 0}), EPS);
    assertThrows(IllegalArgumentException.class, () -> SimAou.of(zsl, icl, new float[] {1}));
  }

  @Test
  void simAmAveragesTheHeadsCosines() {
    float[][] icl = {{1, 0}, {1, 1}};
    float[][] ft = {{2, 0}, {-1, -1}};
    assertEquals((1.0 + -1.0) / 2, SimAm.of(icl, ft), EPS);
    float[][] half = {{1, 0}, {0, 1}};
    assertEquals((1.0 + Math.sqrt(0.5)) / 2, SimAm.of(icl, half), EPS);
  }

  /** Over a one-token query a map's cosine is only a product of signs: undefined, NaN. */
  @Test
  void simAmIsUndefinedOnAOneTokenQuery() {
    float[][] icl = {{0.3f}, {-2f}};
    float[][] ft = {{5f}, {1f}};
    assertTrue(Double.isNaN(SimAm.of(icl, ft)));
    assertFalse(SimAm.isDefined(icl));
    assertTrue(SimAm.isDefined(new float[][] {{1, 2}}));
  }

  @Test
  void rec2ftpCountsTheFixesThatIclAlsoMakes() {
    // per example: zsl right?, ft right?, icl right?
    boolean[] zsl = {false, false, false, false, true, true, false};
    boolean[] ft = {true, true, true, false, true, false, true};
    boolean[] icl = {true, false, true, true, true, true, false};
    Rec2Ftp r = Rec2Ftp.of(zsl, ft, icl);
    assertEquals(4, r.ftFixes()); // examples 0, 1, 2, 6
    assertEquals(2, r.iclAlsoRight()); // examples 0, 2
    assertEquals(50.0, r.percent(), EPS);
    assertTrue(Rec2Ftp.isF2t(false, true, true));
    assertTrue(!Rec2Ftp.isF2t(true, true, true));
    assertTrue(
        Double.isNaN(
            Rec2Ftp.of(new boolean[] {true}, new boolean[] {true}, new boolean[] {true})
                .percent()));
  }

  @Test
  void layerMeansAverageExamplesPerLayerThenLayers() {
    LayerMeans m = LayerMeans.of(List.of(new double[] {1, 0, 3}, new double[] {3, 2, 3}), 3);
    assertEquals(2.0, m.perLayer()[0], EPS);
    assertEquals(1.0, m.perLayer()[1], EPS);
    assertEquals(3.0, m.perLayer()[2], EPS);
    assertEquals(2.0, m.overall(), EPS);
    assertEquals(2, m.examples());
    LayerMeans empty = LayerMeans.of(List.of(), 2);
    assertEquals(2, empty.perLayer().length);
    assertTrue(Double.isNaN(empty.overall()));
    assertThrows(IllegalArgumentException.class, () -> LayerMeans.of(List.of(new double[2]), 3));
  }

  @Test
  void permutedRec2ftpIsTheMeanOverEveryPermutationOfIclsPredictions() {
    boolean[] zslRight = {false, false, true, false, false, true};
    boolean[] ftRight = {true, true, true, false, true, false};
    int[] gold = {0, 1, 1, 2, 0, 1};
    int[] icl = {0, 0, 1, 2, 0, 0};
    double sum = 0;
    int count = 0;
    for (int[] perm : permutations(6)) {
      boolean[] iclRight = new boolean[6];
      for (int i = 0; i < 6; i++) {
        iclRight[i] = icl[perm[i]] == gold[i];
      }
      sum += Rec2Ftp.of(zslRight, ftRight, iclRight).percent();
      count++;
    }
    assertEquals(720, count);
    assertEquals(sum / count, Rec2Ftp.permutedPercent(zslRight, ftRight, icl, gold), 1e-9);
    // ICL always predicts label 0: Rec2FTP is 100 on the fixes with gold 0, and so is chance
    int[] always0 = new int[6];
    boolean[] fixesOfGold0 = {true, false, false, false, true, false};
    assertEquals(
        100.0,
        Rec2Ftp.permutedPercent(new boolean[6], fixesOfGold0, always0, gold),
        1e-9,
        "a constant predictor's Rec2FTP is its chance level");
    assertTrue(Double.isNaN(Rec2Ftp.permutedPercent(zslRight, new boolean[6], icl, gold)));
  }

  private static List<int[]> permutations(int n) {
    List<int[]> out = new java.util.ArrayList<>();
    permute(new int[n], new boolean[n], 0, out);
    return out;
  }

  private static void permute(int[] current, boolean[] used, int at, List<int[]> out) {
    if (at == current.length) {
      out.add(current.clone());
      return;
    }
    for (int v = 0; v < current.length; v++) {
      if (!used[v]) {
        used[v] = true;
        current[at] = v;
        permute(current, used, at + 1, out);
        used[v] = false;
      }
    }
  }
}
