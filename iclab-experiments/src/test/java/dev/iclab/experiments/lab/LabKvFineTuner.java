package dev.iclab.experiments.lab;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.iclab.emergence.model.ParameterStore;
import dev.iclab.emergence.model.SequenceModel;
import java.util.ArrayList;
import java.util.List;

/**
 * Dai et al.'s restricted fine-tuning on a copy of a lab transformer: only the key and value
 * projections of every layer (the K and V rows of the fused {@code qkv} weight, [3 * width, width],
 * and of its bias; the Q rows are masked out) are trained, with plain SGD, batch 1, one step per
 * demonstration in the given order, on the model's own loss (cross-entropy of the label over every
 * label at the query).
 *
 * <p>One copy serves many episodes: {@link #reset} puts the base model's K/V weights back before
 * each. The copy lives in its own manager and is freed on {@link #close}.
 */
public final class LabKvFineTuner implements AutoCloseable {
  private final SequenceModel base;
  private final SequenceModel copy;
  private final NDManager root;
  private final List<NDArray> tuned = new ArrayList<>(); // the copy's qkv weights and biases
  private final List<NDArray> originals = new ArrayList<>(); // the base's, same order
  private final List<NDArray> masks = new ArrayList<>(); // 0 on Q rows, 1 on K and V rows

  /**
   * @param seed the copy's initialisation seed (overwritten by the base's weights at once)
   */
  public LabKvFineTuner(SequenceModel base, NDManager root, long seed) {
    this.base = base;
    this.root = root;
    this.copy = SequenceModel.create(base.config(), root, seed);
    ParameterStore from = base.parameters();
    ParameterStore to = copy.parameters();
    int width = base.config().width();
    for (int i = 0; i < to.arrays().size(); i++) {
      NDArray target = to.arrays().get(i);
      target.subi(target).addi(from.arrays().get(i)); // in place: a leaf that requires gradients
      String name = to.names().get(i);
      if (isKeyValue(name)) {
        tuned.add(target);
        originals.add(from.arrays().get(i));
        masks.add(keyValueMask(copy.manager(), target.getShape(), width));
      } else {
        // Frozen: no gradient is computed for it (gradients still flow through it).
        target.setRequiresGradient(false);
      }
    }
    if (tuned.isEmpty()) {
      throw new IllegalArgumentException("the model has no qkv projections to fine-tune");
    }
  }

  /** The fused attention projections; Dai et al. tune their K and V parts. */
  static boolean isKeyValue(String parameterName) {
    return parameterName.endsWith(".qkv.weight") || parameterName.endsWith(".qkv.bias");
  }

  private static NDArray keyValueMask(NDManager manager, Shape shape, int width) {
    float[] mask = new float[Math.toIntExact(shape.get(0))];
    for (int row = width; row < mask.length; row++) {
      mask[row] = 1f; // rows [0, width) are Q, [width, 2 width) K, [2 width, 3 width) V
    }
    Shape maskShape = shape.dimension() == 2 ? new Shape(mask.length, 1) : new Shape(mask.length);
    return manager.create(mask, maskShape);
  }

  /** The fine-tuned copy (probe it after {@link #train}). */
  public SequenceModel model() {
    return copy;
  }

  /** Puts the base model's K/V weights back (the only ones training changes). */
  public void reset() {
    for (int i = 0; i < tuned.size(); i++) {
      tuned.get(i).subi(tuned.get(i)).addi(originals.get(i));
    }
  }

  /**
   * One epoch of SGD, batch 1, in order.
   *
   * @param inputs [demos, tokens, inputDim] row-major: each demonstration in the zero-shot format
   * @param labels each demonstration's label
   * @return the loss of each step, before its update
   */
  // the NDScope is used only for its close(), which frees what each step created
  @SuppressWarnings("try")
  public List<Double> train(float[] inputs, int[] labels, int tokens, int inputDim, double lr) {
    int length = tokens * inputDim;
    List<Double> losses = new ArrayList<>(labels.length);
    for (int d = 0; d < labels.length; d++) {
      float[] one = new float[length];
      System.arraycopy(inputs, d * length, one, 0, length);
      try (NDScope scope = new NDScope();
          NDManager step = root.newSubManager()) {
        NDArray x = step.create(one, new Shape(1, tokens, inputDim));
        NDArray target = step.create(new long[] {labels[d]}, new Shape(1, 1));
        float loss;
        try (GradientCollector collector = step.getEngine().newGradientCollector()) {
          NDArray logits = copy.logits(x, -1, null); // [1, labels]
          NDArray lossArray = logits.logSoftmax(-1).gather(target, 1).sum().neg();
          collector.backward(lossArray);
          loss = lossArray.getFloat();
        }
        losses.add((double) loss);
        for (int i = 0; i < tuned.size(); i++) {
          NDArray p = tuned.get(i);
          NDArray gradient = p.getGradient();
          gradient.attach(step);
          p.subi(gradient.mul(masks.get(i)).muli((float) lr));
        }
        for (NDArray p : tuned) {
          JniUtils.zeroGrad((PtNDArray) p);
        }
      }
    }
    return losses;
  }

  /** The base model this copy was made from. */
  public SequenceModel base() {
    return base;
  }

  @Override
  public void close() {
    copy.close();
  }
}
