package dev.iclab.emergence.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Draws sequences from a {@link DataDistribution}: training batches (a pure function of the seed
 * and the step, so a resumed run sees the same data) and the fixed evaluation sets.
 *
 * <p>Classes are ranked by frequency: class {@code c} has probability proportional to {@code (c +
 * 1)^-zipfExponent}. Each class maps to {@code labelsPerClass} distinct labels: its own ones (class
 * c: c·k .. c·k+k-1) with {@link DataDistribution#ownLabels()}, else drawn once from the seed out
 * of the shared vocabulary; in a sequence every occurrence of a class carries the same one of them.
 */
public final class SequenceSampler {
  private final DataDistribution distribution;
  private final long seed;
  private final double[] cumulative; // [classes], normalised cumulative Zipf weights
  private final int[] classLabels; // [classes, labelsPerClass]

  public SequenceSampler(DataDistribution distribution, long seed) {
    this.distribution = distribution;
    this.seed = seed;
    int classes = distribution.classes();
    cumulative = new double[classes];
    double sum = 0;
    for (int c = 0; c < classes; c++) {
      sum += Math.pow(c + 1, -distribution.zipfExponent());
      cumulative[c] = sum;
    }
    for (int c = 0; c < classes; c++) {
      cumulative[c] /= sum;
    }
    int k = distribution.labelsPerClass();
    classLabels = new int[classes * k];
    if (distribution.ownLabels()) {
      for (int i = 0; i < classLabels.length; i++) {
        classLabels[i] = i;
      }
      return;
    }
    SplittableRandom rng = new SplittableRandom(GaussianItems.mix(seed, 0x1abe15L));
    int[] pick = new int[k];
    for (int c = 0; c < classes; c++) {
      for (int m = 0; m < k; m++) {
        int label;
        do {
          label = rng.nextInt(distribution.labels());
        } while (contains(pick, m, label));
        pick[m] = label;
        classLabels[c * k + m] = label;
      }
    }
  }

  public DataDistribution distribution() {
    return distribution;
  }

  /** The labels a training class maps to (a copy). */
  public int[] labelsOf(int cls) {
    int k = distribution.labelsPerClass();
    return Arrays.copyOfRange(classLabels, cls * k, cls * k + k);
  }

  /** Training batch number {@code step}; the same (seed, step) always gives the same batch. */
  public Batch trainBatch(long step, int size) {
    SplittableRandom rng = new SplittableRandom(GaussianItems.mix(seed, step));
    int pairs = distribution.contextPairs();
    Batch batch = Batch.allocate(size, pairs, false);
    int[] classes = new int[pairs];
    for (int b = 0; b < size; b++) {
      int query = zipf(rng);
      boolean bursty = rng.nextDouble() < distribution.pBursty();
      if (bursty) {
        int other = zipfExcept(rng, query, -1);
        int i = 0;
        for (; i < DataDistribution.BURST_SHOTS; i++) {
          classes[i] = query;
          classes[i + DataDistribution.BURST_SHOTS] = other;
        }
        for (i = 2 * DataDistribution.BURST_SHOTS; i < pairs; i++) {
          classes[i] = zipfExcept(rng, query, other);
        }
        shuffle(classes, rng);
      } else {
        for (int i = 0; i < pairs; i++) {
          classes[i] = zipf(rng);
        }
      }
      fill(batch, b, classes, query, bursty, rng);
    }
    return batch;
  }

  /**
   * The in-weights evaluation: a query from a training class (drawn as in training) with its
   * trained label, and a context of other training classes, so only the weights can answer.
   */
  public Batch inWeightsSet(int size, long evalSeed) {
    SplittableRandom rng = new SplittableRandom(GaussianItems.mix(evalSeed, 0x1e1L));
    int pairs = distribution.contextPairs();
    Batch batch = Batch.allocate(size, pairs, false);
    int[] classes = new int[pairs];
    for (int b = 0; b < size; b++) {
      int query = zipf(rng);
      for (int i = 0; i < pairs; i++) {
        classes[i] = zipfExcept(rng, query, -1);
      }
      fill(batch, b, classes, query, false, rng);
    }
    return batch;
  }

  /**
   * The in-context evaluation: 2-way, (pairs/2)-shot sequences over two HOLDOUT classes whose
   * labels are re-assigned at random to labels 0 and 1, so the weights cannot know them.
   */
  public Batch inContextSet(int size, long evalSeed) {
    SplittableRandom rng = new SplittableRandom(GaussianItems.mix(evalSeed, 0x1c1L));
    int pairs = distribution.contextPairs();
    int holdout = distribution.holdoutClasses();
    Batch batch = Batch.allocate(size, pairs, true);
    int[] classes = new int[pairs];
    for (int b = 0; b < size; b++) {
      int first = rng.nextInt(holdout);
      int second = (first + 1 + rng.nextInt(holdout - 1)) % holdout;
      int firstLabel = rng.nextInt(2);
      for (int i = 0; i < pairs; i++) {
        classes[i] = i < pairs / 2 ? first : second;
      }
      if (pairs % 2 == 1) {
        classes[pairs - 1] = rng.nextBoolean() ? first : second;
      }
      shuffle(classes, rng);
      int query = rng.nextBoolean() ? first : second;
      for (int i = 0; i < pairs; i++) {
        batch.contextClass()[b * pairs + i] = classes[i];
        batch.contextLabel()[b * pairs + i] = classes[i] == first ? firstLabel : 1 - firstLabel;
      }
      batch.queryClass()[b] = query;
      batch.queryLabel()[b] = query == first ? firstLabel : 1 - firstLabel;
      batch.bursty()[b] = true;
      for (int i = 0; i <= pairs; i++) {
        batch.itemSeeds()[b * (pairs + 1) + i] = rng.nextLong();
      }
    }
    return batch;
  }

  private void fill(
      Batch batch, int b, int[] classes, int query, boolean bursty, SplittableRandom rng) {
    int pairs = distribution.contextPairs();
    long sequenceSeed = rng.nextLong();
    for (int i = 0; i < pairs; i++) {
      batch.contextClass()[b * pairs + i] = classes[i];
      batch.contextLabel()[b * pairs + i] = labelIn(classes[i], sequenceSeed);
    }
    batch.queryClass()[b] = query;
    batch.queryLabel()[b] = labelIn(query, sequenceSeed);
    batch.bursty()[b] = bursty;
    for (int i = 0; i <= pairs; i++) {
      batch.itemSeeds()[b * (pairs + 1) + i] = rng.nextLong();
    }
  }

  /** The label a class carries in one sequence: one of its labels, fixed by the sequence seed. */
  private int labelIn(int cls, long sequenceSeed) {
    int k = distribution.labelsPerClass();
    int m = k == 1 ? 0 : (int) Math.floorMod(GaussianItems.mix(sequenceSeed, cls), (long) k);
    return classLabels[cls * k + m];
  }

  private int zipf(SplittableRandom rng) {
    int i = Arrays.binarySearch(cumulative, rng.nextDouble());
    return Math.min(i < 0 ? -i - 1 : i, cumulative.length - 1);
  }

  private int zipfExcept(SplittableRandom rng, int a, int b) {
    int c;
    do {
      c = zipf(rng);
    } while (c == a || c == b);
    return c;
  }

  private static void shuffle(int[] values, SplittableRandom rng) {
    for (int i = values.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = values[i];
      values[i] = values[j];
      values[j] = t;
    }
  }

  private static boolean contains(int[] values, int length, int value) {
    for (int i = 0; i < length; i++) {
      if (values[i] == value) {
        return true;
      }
    }
    return false;
  }
}
