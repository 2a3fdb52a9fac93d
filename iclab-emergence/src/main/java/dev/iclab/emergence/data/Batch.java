package dev.iclab.emergence.data;

/**
 * A batch of sequences as plain Java arrays (no native memory): the classes, exemplars and labels
 * of the context pairs and of the query. Row-major: {@code contextClass[b * pairs + i]}.
 *
 * <p>Fields are arrays for speed; a batch is built by one sampler and then only read.
 *
 * @param holdout whether classes index the holdout classes (ICL evaluation) or training classes
 */
public record Batch(
    int size,
    int pairs,
    boolean holdout,
    int[] contextClass,
    int[] contextLabel,
    int[] queryClass,
    int[] queryLabel,
    boolean[] bursty,
    long[] itemSeeds) {

  public Batch {
    if (contextClass.length != size * pairs
        || contextLabel.length != size * pairs
        || queryClass.length != size
        || queryLabel.length != size
        || bursty.length != size
        || itemSeeds.length != size * (pairs + 1)) {
      throw new IllegalArgumentException("batch arrays do not match size " + size + " x " + pairs);
    }
  }

  /** An empty batch to fill. */
  static Batch allocate(int size, int pairs, boolean holdout) {
    return new Batch(
        size,
        pairs,
        holdout,
        new int[size * pairs],
        new int[size * pairs],
        new int[size],
        new int[size],
        new boolean[size],
        new long[size * (pairs + 1)]);
  }
}
