package dev.iclab.emergence.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.iclab.emergence.data.Batch;
import dev.iclab.emergence.data.SequenceSampler;
import dev.iclab.emergence.data.TokenEncoder;
import dev.iclab.emergence.model.SequenceModel;

/**
 * The three fixed evaluation sets, encoded once and scored at every evaluation step.
 *
 * <ul>
 *   <li>ICL: 2-way few-shot sequences over holdout classes with labels re-assigned to 0 and 1;
 *       accuracy is the argmax over those two labels (chance 1/2). The argmax over all labels is
 *       reported beside it.
 *   <li>IWL: a training-class query with a context of other classes; correct when the argmax over
 *       all labels is one of the class's labels (chance labelsPerClass / labels).
 *   <li>0-shot IWL: the same queries with every context token blank.
 * </ul>
 */
public final class Evaluator {
  private final SequenceSampler sampler;
  private final TokenEncoder encoder;
  private final Batch inContext;
  private final Batch inWeights;
  private final float[] inContextInputs;
  private final float[] inWeightsInputs;
  private final float[] zeroShotInputs;

  public Evaluator(SequenceSampler sampler, TokenEncoder encoder, int size, long evalSeed) {
    this.sampler = sampler;
    this.encoder = encoder;
    this.inContext = sampler.inContextSet(size, evalSeed);
    this.inWeights = sampler.inWeightsSet(size, evalSeed);
    this.inContextInputs = encoder.encode(inContext, false);
    this.inWeightsInputs = encoder.encode(inWeights, false);
    this.zeroShotInputs = encoder.encode(inWeights, true);
  }

  /** The ICL evaluation set (holdout classes, re-assigned labels). */
  public Batch inContextSet() {
    return inContext;
  }

  /** Scores the model on all three sets; gradient recording must be off. */
  public Accuracies evaluate(SequenceModel model, NDManager root) {
    int labels = sampler.distribution().labels();
    Scores icl = scores(model, root, inContextInputs, inContext.size());
    int twoWay = 0;
    int unrestricted = 0;
    for (int b = 0; b < inContext.size(); b++) {
      int predicted = icl.firstTwo()[2 * b] >= icl.firstTwo()[2 * b + 1] ? 0 : 1;
      twoWay += predicted == inContext.queryLabel()[b] ? 1 : 0;
      unrestricted += icl.argmax()[b] == inContext.queryLabel()[b] ? 1 : 0;
    }
    int n = inContext.size();
    return new Accuracies(
        (double) twoWay / n,
        (double) unrestricted / n,
        n,
        inWeightsAccuracy(scores(model, root, inWeightsInputs, inWeights.size()).argmax()),
        inWeightsAccuracy(scores(model, root, zeroShotInputs, inWeights.size()).argmax()),
        inWeights.size(),
        (double) sampler.distribution().labelsPerClass() / labels);
  }

  private double inWeightsAccuracy(long[] predicted) {
    int correct = 0;
    for (int b = 0; b < inWeights.size(); b++) {
      for (int label : sampler.labelsOf(inWeights.queryClass()[b])) {
        correct += predicted[b] == label ? 1 : 0;
      }
    }
    return (double) correct / inWeights.size();
  }

  /**
   * What the accuracies need of the query's logits, reduced before copying out (the logits are size
   * x labels, 268 MB for 1,024 queries over 65,536 labels).
   *
   * @param argmax [size]: the label with the highest logit
   * @param firstTwo [size * 2]: the logits of labels 0 and 1
   */
  private record Scores(long[] argmax, float[] firstTwo) {}

  // the NDScope is used only for its close(), which frees what the scoring created
  @SuppressWarnings("try")
  private Scores scores(SequenceModel model, NDManager root, float[] inputs, int size) {
    int tokens = encoder.format().tokens(sampler.distribution().contextPairs());
    try (NDScope scope = new NDScope();
        NDManager step = root.newSubManager()) {
      NDArray x = step.create(inputs, new Shape(size, tokens, encoder.inputDim()));
      NDArray logits = model.logits(x, -1, null); // [size, labels]
      return new Scores(
          logits.argMax(1).toType(DataType.INT64, false).toLongArray(),
          logits.get(":, :2").toFloatArray());
    }
  }
}
