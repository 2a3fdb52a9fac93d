package dev.iclab.emergence.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.iclab.emergence.model.LabelHead;

/**
 * The cross-entropy of a wide linear label head and its exact gradients, computed a block of rows
 * at a time, without autograd through the [rows, labels] logits.
 *
 * <p>Why: with one label per class (65,536 labels) and the loss on every label position, the logits
 * of one training step are 1,152 x 65,536 floats (302 MB). Autograd makes several passes of that
 * size over main memory (log-softmax, the gather's zero-filled gradient, the log-softmax gradient,
 * the head's input and weight gradients), each new array page-faulted in, and each pass costs about
 * as much as the head's matrix products. Here a block of rows goes through logits, softmax, softmax
 * minus one-hot and the gradient products while it is in cache (docs/BENCHMARKS.md, {@code bench
 * emergence --shapes paper-cpu-preset,paper-cpu-preset-whole}). The gradient of a row's loss with
 * respect to its logits is softmax - one-hot, as autograd computes it.
 */
public final class ChunkedCrossEntropy {
  /**
   * Logits per block: 8M floats (32 MB), 128 rows of 65,536 labels (other sizes: the system
   * property {@code iclab.emergence.lossBlockElements}, {@link Trainer#BLOCK_PROPERTY}).
   */
  public static final long BLOCK_ELEMENTS = 1L << 23;

  /**
   * Logits that fit in this machine's per-core cache (1M floats, 4 MB): below it autograd's passes
   * over the whole logits cost little, and keeping its path leaves small heads' results (the quick
   * preset's 32 labels) bit for bit as they were.
   */
  static final long CACHED_ELEMENTS = 1L << 20;

  private ChunkedCrossEntropy() {}

  /**
   * Every row's loss and the gradients of {@code scale} x their sum.
   *
   * @param rowLosses [rows]: -log p(target)
   * @param featureGrad [rows, features]
   * @param weightGrad [labels, features], or null when not asked for
   * @param biasGrad [labels], or null when not asked for
   */
  public record Result(
      float[] rowLosses, NDArray featureGrad, NDArray weightGrad, NDArray biasGrad) {

    /** The mean of the row losses. */
    public float meanLoss() {
      double sum = 0;
      for (float loss : rowLosses) {
        sum += loss;
      }
      return (float) (sum / rowLosses.length);
    }
  }

  /**
   * Whether the chunked loss pays for {@code rows} rows: their logits are larger than a cache or a
   * block.
   *
   * @param blockElements logits per block; 0: never (autograd through the whole logits)
   */
  public static boolean pays(long rows, long labels, long blockElements) {
    return blockElements > 0 && rows * labels > Math.min(CACHED_ELEMENTS, blockElements);
  }

  /**
   * @param features [rows, features], not recording gradients (detached)
   * @param head detached weight and bias
   * @param targets [rows]: each row's label
   * @param scale the gradients are those of {@code scale} x the summed loss (1 / rows: the mean's)
   * @param headGradients whether to compute the weight's and bias's gradients (a frozen head's are
   *     not needed: a third of the work)
   * @param blockElements logits per block; a block has at least one row
   * @return arrays in {@code features}' manager
   */
  public static Result compute(
      NDArray features,
      LabelHead head,
      long[] targets,
      float scale,
      boolean headGradients,
      long blockElements) {
    long rows = features.getShape().get(0);
    if (targets.length != rows) {
      throw new IllegalArgumentException("%d targets for %d rows".formatted(targets.length, rows));
    }
    long labels = head.labels();
    long width = features.getShape().get(1);
    int block = (int) Math.max(1, Math.min(rows, blockElements / labels));
    NDManager manager = features.getManager();
    // The bias as the weight of one more input that is always 1: the logits are one matrix product
    // (no separate bias pass over the block) and the bias's gradient comes out of the weight's
    // product (no separate sum over the block).
    NDArray weightAndBias =
        NDArrays.concat(
            new NDList(head.weight().transpose(), head.bias().reshape(1, labels)),
            0); // [width + 1, labels]
    weightAndBias.attach(manager);
    NDArray inputs =
        NDArrays.concat(new NDList(features, manager.ones(new Shape(rows, 1))), 1); // [rows, w + 1]
    NDArray headGrad = headGradients ? manager.zeros(new Shape(labels, width + 1)) : null;
    NDList featureGrads = new NDList();
    float[] rowLosses = new float[targets.length];
    for (int start = 0; start < rows; start += block) {
      int end = (int) Math.min(rows, start + (long) block);
      try (NDManager blockManager = manager.newSubManager()) {
        NDArray x = inputs.get(start + ":" + end); // [n, width + 1]
        x.attach(blockManager);
        NDArray logits = x.matMul(weightAndBias); // [n, labels]
        NDArray probs = logits.softmax(-1); // [n, labels]
        long[] flat = new long[end - start]; // each row's target in the row-major block
        for (int i = 0; i < flat.length; i++) {
          flat[i] = i * labels + targets[start + i];
        }
        NDIndex targetCells = new NDIndex("{}", blockManager.create(flat));
        NDArray probsFlat = probs.reshape(-1); // a view: writing it writes probs
        NDArray targetProbs = probsFlat.get(targetCells); // [n]
        float[] p = targetProbs.toFloatArray();
        for (int i = 0; i < p.length; i++) {
          // log of softmax: one pass fewer than log-softmax then exp. A probability that
          // underflowed
          // to 0 (a logit gap above ~87) takes its exact value from its row's log-softmax.
          rowLosses[start + i] =
              (float) -(p[i] > 0 ? Math.log(p[i]) : exactLogProb(logits, i, targets[start + i]));
        }
        // probs becomes softmax - one-hot: the gradient of the block's summed loss
        probsFlat.set(targetCells, targetProbs.sub(blockManager.ones(targetProbs.getShape())));
        NDArray featureGrad = probs.matMul(head.weight()); // [n, width]
        featureGrad.attach(manager);
        featureGrads.add(featureGrad);
        if (headGradients) {
          headGrad.addi(probs.transpose().matMul(x)); // [labels, width + 1]
        }
      }
    }
    NDArray scaleArray = manager.create(scale);
    NDArray featureGrad =
        (featureGrads.size() == 1 ? featureGrads.get(0) : NDArrays.concat(featureGrads))
            .muli(scaleArray);
    if (!headGradients) {
      return new Result(rowLosses, featureGrad, null, null);
    }
    headGrad.muli(scaleArray);
    return new Result(
        rowLosses,
        featureGrad,
        headGrad.get(":, :" + width), // [labels, width]
        headGrad.get(":, " + width)); // [labels]
  }

  private static double exactLogProb(NDArray logits, int row, long target) {
    try (NDArray logProbs = logits.get(row).logSoftmax(-1)) {
      return logProbs.getFloat(target);
    }
  }
}
