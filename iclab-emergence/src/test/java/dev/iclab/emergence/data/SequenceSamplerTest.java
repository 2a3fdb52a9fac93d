package dev.iclab.emergence.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Statistics of each knob of the generator, measured on 10,000 sequences. */
class SequenceSamplerTest {
  private static final int SEQUENCES = 10_000;
  private static final int BATCH = 1_000;

  private static DataDistribution distribution(
      double pBursty, int classes, double zipf, int labels, int labelsPerClass) {
    return new DataDistribution(
        8, pBursty, classes, 50, zipf, 0.1, 0, labels, labelsPerClass, false);
  }

  /** Looks bursty: the query class exactly 3 times and another class exactly 3 times. */
  private static boolean looksBursty(Batch batch, int b) {
    Map<Integer, Integer> counts = new HashMap<>();
    for (int i = 0; i < batch.pairs(); i++) {
      counts.merge(batch.contextClass()[b * batch.pairs() + i], 1, Integer::sum);
    }
    int query = batch.queryClass()[b];
    if (counts.getOrDefault(query, 0) != 3) {
      return false;
    }
    return counts.entrySet().stream().anyMatch(e -> e.getKey() != query && e.getValue() == 3);
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.0, 0.5, 0.9, 1.0})
  void burstyFractionMatchesPBursty(double p) {
    SequenceSampler sampler = new SequenceSampler(distribution(p, 10_000, 0, 32, 1), 7);
    int bursty = 0;
    for (int step = 0; step < SEQUENCES / BATCH; step++) {
      Batch batch = sampler.trainBatch(step, BATCH);
      for (int b = 0; b < BATCH; b++) {
        bursty += looksBursty(batch, b) ? 1 : 0;
        assertEquals(batch.bursty()[b], looksBursty(batch, b), "flag vs content, p=" + p);
      }
    }
    double fraction = (double) bursty / SEQUENCES;
    double sigma = Math.sqrt(p * (1 - p) / SEQUENCES);
    // 4 sigma (0.012 at p = 0.5); exactly 0 or 1 at the ends.
    assertEquals(p, fraction, 4 * sigma + 1e-9, "bursty fraction");
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.0, 1.0, 2.0})
  void fittedZipfExponentMatches(double alpha) {
    SequenceSampler sampler = new SequenceSampler(distribution(0, 1_000, alpha, 32, 1), 11);
    int[] counts = new int[1_000];
    for (int step = 0; step < SEQUENCES / BATCH; step++) {
      Batch batch = sampler.trainBatch(step, BATCH);
      for (int c : batch.contextClass()) {
        counts[c]++;
      }
      for (int c : batch.queryClass()) {
        counts[c]++;
      }
    }
    // Least squares of log(count) on log(rank) over ranks with >= 50 draws (low Poisson noise).
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int n = 0;
    for (int r = 0; r < counts.length && counts[r] >= 50; r++) {
      double x = Math.log(r + 1);
      double y = Math.log(counts[r]);
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
      n++;
    }
    assertTrue(n >= 20, "too few ranks to fit: " + n);
    double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    assertEquals(alpha, -slope, 0.1, "fitted Zipf exponent over " + n + " ranks");
  }

  @Test
  void numberOfClassesIsRespectedAndAllAreUsed() {
    SequenceSampler sampler = new SequenceSampler(distribution(0.5, 300, 0, 32, 1), 3);
    Set<Integer> seen = new HashSet<>();
    for (int step = 0; step < SEQUENCES / BATCH; step++) {
      Batch batch = sampler.trainBatch(step, BATCH);
      for (int c : batch.contextClass()) {
        assertTrue(c >= 0 && c < 300, "class out of range: " + c);
        seen.add(c);
      }
    }
    assertEquals(300, seen.size());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3})
  void labelsCoOccurOnlyWithTheirClass(int labelsPerClass) {
    SequenceSampler sampler = new SequenceSampler(distribution(0.9, 200, 0, 64, labelsPerClass), 5);
    Map<Integer, Set<Integer>> labelsSeen = new HashMap<>();
    for (int step = 0; step < SEQUENCES / BATCH; step++) {
      Batch batch = sampler.trainBatch(step, BATCH);
      for (int b = 0; b < BATCH; b++) {
        Map<Integer, Integer> labelInSequence = new HashMap<>();
        for (int i = 0; i <= 8; i++) {
          int cls = i < 8 ? batch.contextClass()[b * 8 + i] : batch.queryClass()[b];
          int label = i < 8 ? batch.contextLabel()[b * 8 + i] : batch.queryLabel()[b];
          Integer before = labelInSequence.putIfAbsent(cls, label);
          assertTrue(before == null || before == label, "a class changed label inside a sequence");
          labelsSeen.computeIfAbsent(cls, k -> new HashSet<>()).add(label);
        }
      }
    }
    for (Map.Entry<Integer, Set<Integer>> e : labelsSeen.entrySet()) {
      Set<Integer> allowed = new HashSet<>();
      for (int l : sampler.labelsOf(e.getKey())) {
        allowed.add(l);
      }
      assertEquals(labelsPerClass, allowed.size(), "distinct labels per class");
      // ~450 sequences per class: every one of its labels shows up, and nothing else.
      assertEquals(allowed, e.getValue(), "labels seen with class " + e.getKey());
    }
  }

  @Test
  void sameSeedAndStepGiveTheSameBatch() {
    DataDistribution d = distribution(0.9, 1000, 1, 32, 1);
    Batch a = new SequenceSampler(d, 1).trainBatch(42, 64);
    Batch b = new SequenceSampler(d, 1).trainBatch(42, 64);
    Batch c = new SequenceSampler(d, 1).trainBatch(43, 64);
    assertArrayEquals(a.contextClass(), b.contextClass());
    assertArrayEquals(a.itemSeeds(), b.itemSeeds());
    assertFalse(java.util.Arrays.equals(a.contextClass(), c.contextClass()));
  }

  @Test
  void inContextSetUsesOnlyHoldoutClassesWithReassignedLabels() {
    DataDistribution d = new DataDistribution(8, 0.9, 1000, 20, 0, 0, 0, 32, 1, false);
    SequenceSampler sampler = new SequenceSampler(d, 1);
    GaussianItems items = GaussianItems.of(d, 16, 9);
    Batch icl = sampler.inContextSet(2_000, 77);
    assertTrue(icl.holdout());
    Map<Integer, Set<Integer>> labelsOfClass = new HashMap<>();
    for (int b = 0; b < icl.size(); b++) {
      Map<Integer, Integer> labelOf = new HashMap<>();
      for (int i = 0; i < 8; i++) {
        int cls = icl.contextClass()[b * 8 + i];
        int label = icl.contextLabel()[b * 8 + i];
        assertTrue(cls >= 0 && cls < 20, "holdout class index " + cls);
        assertTrue(label == 0 || label == 1, "ICL labels are re-assigned to 0/1, got " + label);
        labelOf.put(cls, label);
        labelsOfClass.computeIfAbsent(cls, k -> new HashSet<>()).add(label);
      }
      assertEquals(2, labelOf.size(), "2-way");
      assertEquals(2, new HashSet<>(labelOf.values()).size(), "the two classes get both labels");
      assertEquals(labelOf.get(icl.queryClass()[b]), icl.queryLabel()[b], "query label");
    }
    // Re-assigned per sequence: each holdout class is seen with both labels.
    labelsOfClass.values().forEach(s -> assertEquals(Set.of(0, 1), s));

    // With no noise an ICL item is exactly a holdout prototype and equals no training prototype.
    float[] item = new float[16];
    float[] train = new float[16];
    for (int b = 0; b < 50; b++) {
      items.item(icl.queryClass()[b], true, b, item, 0);
      for (int c = 0; c < 1000; c++) {
        items.item(c, false, 0, train, 0);
        assertFalse(
            java.util.Arrays.equals(item, train), "holdout item equals training class " + c);
      }
    }
  }

  @Test
  void inWeightsSetKeepsTheQueryClassOutOfTheContext() {
    SequenceSampler sampler = new SequenceSampler(distribution(0.9, 100, 1, 32, 1), 1);
    Batch iwl = sampler.inWeightsSet(2_000, 5);
    for (int b = 0; b < iwl.size(); b++) {
      for (int i = 0; i < 8; i++) {
        assertNotEquals(iwl.queryClass()[b], iwl.contextClass()[b * 8 + i]);
      }
      assertEquals(sampler.labelsOf(iwl.queryClass()[b])[0], iwl.queryLabel()[b]);
    }
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.1, 0.5, 1.0})
  void withinClassSpreadFollowsNoise(double noise) {
    int dim = 64;
    GaussianItems items = new GaussianItems(dim, 10, 2, noise, 0, 3);
    float[] a = new float[dim];
    float[] b = new float[dim];
    double sum = 0;
    int pairs = 2_000;
    for (int i = 0; i < pairs; i++) {
      items.item(i % 10, false, 2L * i, a, 0);
      items.item(i % 10, false, 2L * i + 1, b, 0);
      for (int k = 0; k < dim; k++) {
        sum += (a[k] - b[k]) * (a[k] - b[k]);
      }
    }
    // E|x1 - x2|^2 = 2 noise^2 / (1 + noise^2) for (mu + noise eta) / sqrt(1 + noise^2).
    double expected = 2 * noise * noise / (1 + noise * noise);
    assertEquals(expected, sum / pairs, 0.05 * expected, "within-class squared distance");
  }

  @Test
  void finiteExemplarsGiveThatManyDistinctItems() {
    GaussianItems items = new GaussianItems(8, 5, 2, 0.3, 3, 1);
    Set<String> distinct = new HashSet<>();
    float[] x = new float[8];
    for (long draw = 0; draw < 200; draw++) {
      items.item(2, false, draw * 7919, x, 0);
      distinct.add(java.util.Arrays.toString(x));
    }
    assertEquals(3, distinct.size());
  }

  @Test
  void ownLabelsGiveEveryClassItsOwnLabel() {
    DataDistribution own = new DataDistribution(8, 0.9, 500, 20, 0, 0.1, 0, 500, 1, true);
    SequenceSampler sampler = new SequenceSampler(own, 7);
    Set<Integer> seen = new HashSet<>();
    for (int c = 0; c < 500; c++) {
      assertEquals(1, sampler.labelsOf(c).length);
      assertTrue(seen.add(sampler.labelsOf(c)[0]), "label of class " + c + " is shared");
    }
    Batch batch = sampler.trainBatch(3, 200);
    for (int i = 0; i < batch.contextClass().length; i++) {
      assertEquals(batch.contextClass()[i], batch.contextLabel()[i], "class c carries label c");
    }
    DataDistribution twoEach = new DataDistribution(8, 0.9, 100, 20, 0, 0.1, 0, 200, 2, true);
    assertArrayEquals(new int[] {14, 15}, new SequenceSampler(twoEach, 1).labelsOf(7));
  }
}
