package dev.iclab.emergence.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.iclab.emergence.model.LabelHead;

/**
 * The mean cross-entropy of a wide linear label head and its exact gradients, computed a block of
 * rows at a time, without autograd through the [rows, labels] logits.
 *
 * <p>Why: with one label per class (65,536 labels) and the loss on every label position, the logits
 * of one step are 1,152 x 65,536 floats (302 MB). Autograd makes five full passes of that size over
 * main memory (log-softmax, its saved output, the gather's zero-filled gradient, the log-softmax
 * gradient, the head's input and weight gradients), and each costs about as much as the head's
 * matrix products. Here a block of rows goes through logits, log-softmax, softmax minus one-hot and
 * both gradient products while it is in cache (softmax, not log-softmax then exp: one pass fewer):
 * 2.3x less CPU for the head (one thread; see docs/BENCHMARKS.md). The gradient of the mean
 * cross-entropy with respect to a row's logits is (softmax - one-hot) / rows, which is what
 * autograd computes too.
 */
final class ChunkedCrossEntropy {
  /** Logits per block: 8M floats (32 MB), the fastest of 2M-64M measured at 65,536 labels. */
  static final long BLOCK_ELEMENTS = 1L << 23;

  private ChunkedCrossEntropy() {}

  /**
   * The loss and the gradients of the head's inputs, weight and bias.
   *
   * @param featureGrad [rows, features]
   * @param weightGrad [labels, features]
   * @param biasGrad [labels]
   */
  record Result(float loss, NDArray featureGrad, NDArray weightGrad, NDArray biasGrad) {}

  private static double exactLogProb(NDArray logits, int row, long target) {
    try (NDArray logProbs = logits.get(row).logSoftmax(-1)) {
      return logProbs.getFloat(target);
    }
  }

  /** Whether the logits of {@code rows} rows are larger than one block. */
  static boolean pays(long rows, long labels, long blockElements) {
    return rows * labels > blockElements;
  }

  /**
   * @param features [rows, features], not recording gradients (detached)
   * @param head detached weight and bias
   * @param targets [rows]: each row's label
   * @param blockElements logits per block; a block has at least one row
   * @return arrays in {@code features}' manager
   */
  static Result compute(NDArray features, LabelHead head, long[] targets, long blockElements) {
    long rows = features.getShape().get(0);
    if (targets.length != rows) {
      throw new IllegalArgumentException("%d targets for %d rows".formatted(targets.length, rows));
    }
    long labels = head.labels();
    int block = (int) Math.max(1, Math.min(rows, blockElements / labels));
    NDManager manager = features.getManager();
    NDArray weightGrad = manager.zeros(head.weight().getShape());
    NDArray biasGrad = manager.zeros(head.bias().getShape());
    NDList featureGrads = new NDList();
    double lossSum = 0;
    for (int start = 0; start < rows; start += block) {
      int end = (int) Math.min(rows, start + (long) block);
      try (NDManager blockManager = manager.newSubManager()) {
        NDArray x = features.get(start + ":" + end); // [n, features]
        x.attach(blockManager);
        NDArray logits = head.apply(x); // [n, labels]
        NDArray probs = logits.softmax(-1); // [n, labels]
        // flat indices of each row's target in the row-major [n, labels] block
        long[] flat = new long[end - start];
        for (int i = 0; i < flat.length; i++) {
          flat[i] = i * labels + targets[start + i];
        }
        NDIndex targetCells = new NDIndex("{}", blockManager.create(flat));
        NDArray probsFlat = probs.reshape(-1); // a view: writing it writes probs
        NDArray targetProbs = probsFlat.get(targetCells); // [n]
        float[] p = targetProbs.toFloatArray();
        for (int i = 0; i < p.length; i++) {
          // log(softmax) in one pass fewer than log-softmax then exp; a probability that
          // underflowed
          // to 0 (a logit gap above ~87) takes its exact value from its row's log-softmax
          lossSum -= p[i] > 0 ? Math.log(p[i]) : exactLogProb(logits, i, targets[start + i]);
        }
        probsFlat.set(targetCells, targetProbs.sub(blockManager.ones(targetProbs.getShape())));
        // probs now holds softmax - one-hot, the gradient of the block's summed loss
        NDArray featureGrad = probs.matMul(head.weight()); // [n, features]
        featureGrad.attach(manager);
        featureGrads.add(featureGrad);
        weightGrad.addi(probs.transpose().matMul(x));
        biasGrad.addi(probs.sum(new int[] {0}));
      }
    }
    NDArray featureGrad =
        featureGrads.size() == 1 ? featureGrads.get(0) : NDArrays.concat(featureGrads);
    NDArray perRow = manager.create(1f / rows);
    return new Result(
        (float) (lossSum / rows),
        featureGrad.muli(perRow),
        weightGrad.muli(perRow),
        biasGrad.muli(perRow));
  }
}
