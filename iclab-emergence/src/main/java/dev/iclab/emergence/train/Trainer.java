package dev.iclab.emergence.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.iclab.IclabException;
import dev.iclab.emergence.data.Batch;
import dev.iclab.emergence.data.SequenceSampler;
import dev.iclab.emergence.data.TokenEncoder;
import dev.iclab.emergence.data.TokenFormat;
import dev.iclab.emergence.model.LabelHead;
import dev.iclab.emergence.model.SequenceModel;
import java.util.ArrayList;
import java.util.List;

/**
 * Trains a {@link SequenceModel} on batches from a {@link SequenceSampler}: cross-entropy on the
 * query label (optionally on every label), Adam with warm-up and global-norm clipping. A wide
 * head's loss (one label per class) goes a block of rows at a time ({@link ChunkedCrossEntropy}).
 *
 * <p>Every step runs in its own child manager inside an {@link NDScope}, so all temporaries,
 * gradient handles included, are freed when it ends; the model manager only ever holds the weights
 * and the optimizer's moments.
 *
 * <p>A step whose loss or gradient norm is not finite changes nothing: its update is skipped, so
 * one bad batch cannot write NaN into the weights or Adam's moments (from which no run recovers).
 * The caller decides when too many such steps mean the run diverged.
 */
public final class Trainer implements AutoCloseable {
  /**
   * The system property {@value #BLOCK_PROPERTY}: logits per block of the chunked loss; {@code
   * whole} takes autograd's path through the whole logits (for {@code iclab bench emergence}'s
   * comparison of the two).
   */
  public static final String BLOCK_PROPERTY = "iclab.emergence.lossBlockElements";

  private final SequenceModel model;
  private final SequenceSampler sampler;
  private final TokenEncoder encoder;
  private final TrainConfig config;
  private final NDManager root;
  private final Adam adam;
  private final long blockElements;

  public Trainer(
      SequenceModel model,
      SequenceSampler sampler,
      TokenEncoder encoder,
      TrainConfig config,
      NDManager root) {
    this(model, sampler, encoder, config, root, blockElementsProperty());
  }

  private static long blockElementsProperty() {
    String value = System.getProperty(BLOCK_PROPERTY);
    if (value == null) {
      return ChunkedCrossEntropy.BLOCK_ELEMENTS;
    }
    if (value.equals("whole")) {
      return 0;
    }
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IclabException(
          "-D%s must be a number of logits or 'whole', got '%s'".formatted(BLOCK_PROPERTY, value));
    }
  }

  /**
   * {@code blockElements}: logits per block of the chunked loss ({@link ChunkedCrossEntropy}), for
   * a step where it {@link ChunkedCrossEntropy#pays}; 0: autograd through the whole logits always.
   */
  Trainer(
      SequenceModel model,
      SequenceSampler sampler,
      TokenEncoder encoder,
      TrainConfig config,
      NDManager root,
      long blockElements) {
    if (config.lossOnAllLabels() && encoder.format() != TokenFormat.INTERLEAVED) {
      throw new IclabException(
          "the loss on every label needs the interleaved token format (a paired token already holds its label); pass --loss-all-labels false (the paper-cpu preset turns it on) or use --format interleaved");
    }
    this.model = model;
    this.sampler = sampler;
    this.encoder = encoder;
    this.config = config;
    this.root = root;
    this.adam = new Adam(model.parameters().arrays(), model.manager());
    this.blockElements = blockElements;
  }

  /**
   * Runs training step {@code step} (1-based) and returns its loss; a non-finite loss means the
   * step was skipped and the weights are unchanged.
   */
  // the NDScope is used only for its close(), which frees what the step created
  @SuppressWarnings("try")
  public float step(long step) {
    Batch batch = sampler.trainBatch(step, config.batchSize());
    float[] inputs = encoder.encode(batch, false);
    int pairs = batch.pairs();
    int tokens = encoder.format().tokens(pairs);
    boolean all = config.lossOnAllLabels();
    int predictions = all ? pairs + 1 : 1;
    // The target labels' indices: the loss gathers their log-probabilities (a one-hot target
    // would be batch x predictions x labels floats, 300 MB with one label per class).
    long[] targets = new long[batch.size() * predictions];
    for (int b = 0; b < batch.size(); b++) {
      for (int i = 0; i < predictions; i++) {
        targets[b * predictions + i] =
            i == predictions - 1 ? batch.queryLabel()[b] : batch.contextLabel()[b * pairs + i];
      }
    }
    List<NDArray> params = model.parameters().arrays();
    try (NDScope scope = new NDScope();
        NDManager stepManager = root.newSubManager()) {
      NDArray x = stepManager.create(inputs, new Shape(batch.size(), tokens, encoder.inputDim()));
      float loss;
      try (GradientCollector collector = stepManager.getEngine().newGradientCollector()) {
        int positions = all ? 2 : -1;
        loss =
            ChunkedCrossEntropy.pays(targets.length, model.head().labels(), blockElements)
                ? chunkedLoss(x, positions, targets, collector)
                : wholeLoss(x, positions, targets, predictions, collector);
      }
      List<NDArray> grads = new ArrayList<>(params.size());
      NDArray squaredNorm = null;
      for (NDArray p : params) {
        NDArray g = p.getGradient();
        g.attach(stepManager);
        grads.add(g);
        NDArray s = g.square().sum();
        squaredNorm = squaredNorm == null ? s : squaredNorm.addi(s);
      }
      float norm = (float) Math.sqrt(squaredNorm.getFloat());
      if (Float.isFinite(loss) && Float.isFinite(norm)) {
        float scale =
            config.clipNorm() > 0 && norm > config.clipNorm()
                ? (float) (config.clipNorm() / norm)
                : 1f;
        adam.update(grads, scale, config.learningRateAt(step), step);
      } else if (Float.isFinite(loss)) {
        loss = Float.NaN; // an overflowing gradient skips the step like a NaN loss
      }
      for (NDArray p : params) {
        JniUtils.zeroGrad((PtNDArray) p);
      }
      return loss;
    }
  }

  /** Backpropagates the mean cross-entropy through autograd over the whole logits. */
  private float wholeLoss(
      NDArray x, int positions, long[] targets, int predictions, GradientCollector collector) {
    NDManager step = x.getManager();
    long batch = x.getShape().get(0);
    Shape targetShape = positions < 0 ? new Shape(batch, 1) : new Shape(batch, predictions, 1);
    NDArray targetIndex = step.create(targets, targetShape);
    // -1/N as an array of the step, so that the loss (mean cross-entropy) needs no division by a
    // Java number, whose scalar DJL would free before backward needs it (Ops.scale).
    NDArray minusMean = step.create(-1f / targets.length);
    NDArray logits = model.logits(x, positions, null); // [batch, (predictions,) labels]
    NDArray lossArray =
        logits
            .logSoftmax(-1)
            .gather(targetIndex, positions < 0 ? 1 : 2) // [batch, (predictions,) 1]
            .sum()
            .mul(minusMean);
    collector.backward(lossArray);
    return lossArray.getFloat();
  }

  /**
   * Backpropagates the mean cross-entropy with the head's loss and gradients computed a block of
   * rows at a time ({@link ChunkedCrossEntropy}); autograd carries them through the rest.
   */
  private float chunkedLoss(NDArray x, int positions, long[] targets, GradientCollector collector) {
    LabelHead head = model.head();
    NDArray features = model.features(x, positions, null, null);
    features = features.reshape(targets.length, features.getShape().tail()); // [rows, features]
    ChunkedCrossEntropy.Result r =
        ChunkedCrossEntropy.compute(
            features.stopGradient(),
            new LabelHead(head.weight().stopGradient(), head.bias().stopGradient()),
            targets,
            1f / targets.length,
            true,
            blockElements);
    // a scalar whose gradients are exactly r's: d/dv sum(v * g) = g
    NDArray surrogate =
        features
            .mul(r.featureGrad())
            .sum()
            .add(head.weight().mul(r.weightGrad()).sum())
            .add(head.bias().mul(r.biasGrad()).sum());
    collector.backward(surrogate);
    return r.meanLoss();
  }

  /** The optimizer's state, for checkpoints. */
  public NDList optimizerState() {
    return adam.state();
  }

  @Override
  public void close() {
    adam.close();
  }
}
