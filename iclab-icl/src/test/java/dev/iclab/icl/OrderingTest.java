package dev.iclab.icl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.IclabException;
import dev.iclab.icl.run.Metrics;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Lu et al.'s statistics, permutations and metrics against hand-computed values. */
class OrderingTest {
  @Test
  void globalEAndLocalE() {
    // Predictions 0, 0, 1, 0 -> histogram (3/4, 1/4): H = -(0.75 ln 0.75 + 0.25 ln 0.25).
    List<double[]> p =
        List.of(
            new double[] {0.9, 0.1},
            new double[] {0.6, 0.4},
            new double[] {0.2, 0.8},
            new double[] {0.5, 0.5});
    assertEquals(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)), OrderEntropy.globalE(p), 1e-12);
    double h1 = -(0.9 * Math.log(0.9) + 0.1 * Math.log(0.1));
    double h2 = -(0.6 * Math.log(0.6) + 0.4 * Math.log(0.4));
    double h3 = -(0.2 * Math.log(0.2) + 0.8 * Math.log(0.8));
    double h4 = Math.log(2);
    assertEquals((h1 + h2 + h3 + h4) / 4, OrderEntropy.localE(p), 1e-12);
    // All probes pushed to one label: GlobalE = 0, the worst possible.
    assertEquals(
        0, OrderEntropy.globalE(List.of(new double[] {0.9, 0.1}, new double[] {0.6, 0.4})));
    assertEquals(List.of(2, 0), OrderEntropy.best(new double[] {0.5, 0.1, 0.7, 0.5}, 2));
    assertEquals(List.of(0, 3, 1), OrderEntropy.best(new double[] {0.5, 0.1, 0.0, 0.5}, 3));
  }

  @Test
  void permutations() {
    List<int[]> three = DemoOrder.permutations(3);
    assertEquals(6, three.size());
    assertArrayEquals(new int[] {0, 1, 2}, three.get(0));
    assertArrayEquals(new int[] {0, 2, 1}, three.get(1));
    assertArrayEquals(new int[] {2, 1, 0}, three.get(5));
    assertEquals(120, DemoOrder.permutations(5).size());
    var e = assertThrows(IclabException.class, () -> DemoOrder.permutations(6));
    assertTrue(e.getMessage().contains("k <= 5"), e.getMessage());
    assertEquals(24, DemoOrder.entropyCandidates(4, 1).size());
    List<int[]> sampled = DemoOrder.entropyCandidates(8, 1);
    Set<String> distinct = new HashSet<>();
    sampled.forEach(s -> distinct.add(java.util.Arrays.toString(s)));
    assertEquals(24, distinct.size());
    assertEquals(
        List.of("c", "a", "b"),
        DemoOrder.bySimilarity(List.of("a", "b", "c"), new double[] {0.5, 0.9, 0.1}));
    assertEquals(
        DemoOrder.shuffled(List.of(1, 2, 3, 4, 5), 9),
        DemoOrder.shuffled(List.of(1, 2, 3, 4, 5), 9));
  }

  @Test
  void accuracyMacroF1AndSpread() {
    int[] gold = {0, 0, 1, 1, 2};
    int[] predicted = {0, 1, 1, 1, 0};
    assertEquals(0.6, Metrics.accuracy(gold, predicted), 1e-12);
    // F1(0) = 2*1/(2+1+1) = 0.5; F1(1) = 2*2/(4+1+0) = 0.8; F1(2) = 0 -> mean 0.4333
    assertEquals((0.5 + 0.8 + 0) / 3, Metrics.macroF1(gold, predicted, 4), 1e-12);
    List<Double> values = List.of(0.5, 0.7, 0.6);
    assertEquals(0.6, Metrics.mean(values), 1e-12);
    assertEquals(0.1, Metrics.std(values), 1e-12);
    assertEquals(0.6, Metrics.median(values), 1e-12);
    assertEquals(0.65, Metrics.median(List.of(0.5, 0.6, 0.7, 0.8)), 1e-12);
    assertEquals(0, Metrics.std(List.of(0.3)));
  }
}
