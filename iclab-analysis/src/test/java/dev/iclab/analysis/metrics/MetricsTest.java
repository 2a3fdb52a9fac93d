package dev.iclab.analysis.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
