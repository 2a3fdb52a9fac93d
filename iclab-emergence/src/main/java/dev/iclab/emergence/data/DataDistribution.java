package dev.iclab.emergence.data;

import dev.iclab.IclabException;

/**
 * Every knob of the training distribution of Chan et al. (2022).
 *
 * @param contextPairs item/label pairs before the query (8 in the paper)
 * @param pBursty probability that a sequence is bursty: the query's class 3 times and one other
 *     class 3 times in the context, the rest drawn at random
 * @param classes number of training classes
 * @param holdoutClasses classes never trained on, used only by the ICL evaluation
 * @param zipfExponent class frequencies are proportional to rank^-zipfExponent (0 = uniform)
 * @param noise within-class variation: scale of the Gaussian noise added to a class prototype
 * @param exemplarsPerClass distinct exemplars per class (0 = fresh noise at every draw)
 * @param labels size of the label vocabulary
 * @param labelsPerClass labels each class maps to (one of them is chosen per sequence)
 * @param ownLabels every class has its own labels (class c gets labels c·k .. c·k+k-1 for k labels
 *     per class, so {@code labels = classes × labelsPerClass}), as in Chan et al.'s code ({@code
 *     num_classes = n_classes}, labelling 'ordered'); false: each class draws its labels at random
 *     from a vocabulary of {@code labels} shared by all classes (label multiplicity)
 */
public record DataDistribution(
    int contextPairs,
    double pBursty,
    int classes,
    int holdoutClasses,
    double zipfExponent,
    double noise,
    int exemplarsPerClass,
    int labels,
    int labelsPerClass,
    boolean ownLabels) {

  /** Shots of the query class (and of the second class) in a bursty context. */
  public static final int BURST_SHOTS = 3;

  public DataDistribution {
    if (contextPairs < 2 * BURST_SHOTS) {
      throw new IclabException(
          "context pairs must be >= %d to hold two bursts of %d, got %d; the paper uses 8"
              .formatted(2 * BURST_SHOTS, BURST_SHOTS, contextPairs));
    }
    if (!(pBursty >= 0 && pBursty <= 1)) {
      throw new IclabException("--p-bursty must be in [0, 1], got " + pBursty + "; e.g. 0.9");
    }
    if (classes < 2) {
      throw new IclabException("--classes must be >= 2, got " + classes + "; e.g. 1600");
    }
    if (holdoutClasses < 2) {
      throw new IclabException(
          "holdout classes must be >= 2 (the ICL evaluation is 2-way), got " + holdoutClasses);
    }
    if (!(zipfExponent >= 0) || Double.isInfinite(zipfExponent)) {
      throw new IclabException("--zipf must be a finite number >= 0, got " + zipfExponent);
    }
    if (!(noise >= 0) || Double.isInfinite(noise)) {
      throw new IclabException("--noise must be a finite number >= 0, got " + noise);
    }
    if (exemplarsPerClass < 0) {
      throw new IclabException("exemplars per class must be >= 0 (0 = fresh noise each draw)");
    }
    if (labels < 2) {
      throw new IclabException("--labels must be >= 2, got " + labels + "; e.g. 32");
    }
    if (labelsPerClass < 1 || labelsPerClass > labels) {
      throw new IclabException(
          "--labels-per-class must be in [1, labels=%d], got %d".formatted(labels, labelsPerClass));
    }
    if (ownLabels && (long) classes * labelsPerClass != labels) {
      throw new IllegalArgumentException(
          "own labels need labels = classes × labels per class, got %d, %d, %d"
              .formatted(labels, classes, labelsPerClass));
    }
  }

  /** Same distribution with another burstiness. */
  public DataDistribution withPBursty(double p) {
    return new DataDistribution(
        contextPairs,
        p,
        classes,
        holdoutClasses,
        zipfExponent,
        noise,
        exemplarsPerClass,
        labels,
        labelsPerClass,
        ownLabels);
  }
}
