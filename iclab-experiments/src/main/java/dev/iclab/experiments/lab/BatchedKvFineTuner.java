package dev.iclab.experiments.lab;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.iclab.analysis.SettingRecord;
import dev.iclab.emergence.model.LabelHead;
import dev.iclab.emergence.model.ParameterStore;
import dev.iclab.emergence.model.RowProjections;
import dev.iclab.emergence.model.SequenceModel;
import dev.iclab.emergence.train.ChunkedCrossEntropy;
import java.util.ArrayList;
import java.util.List;

/**
 * Dai et al.'s restricted fine-tuning of a lab transformer, many copies at once: each row of a
 * batch is one episode's copy, whose attention key and value projections alone (the K and V rows of
 * every layer's fused {@code qkv} weight, [3 * width, width], and of its bias; the Q rows are
 * masked out) are trained with plain SGD, batch 1 per copy, one step per demonstration in the
 * episode's order, on the model's own loss (cross-entropy of the label over every label at the
 * query). The rows share one frozen copy of the model and carry their own projections ({@link
 * RowProjections}); they do not interact, so each row gets what its copy trained alone would (up to
 * float rounding: a batched matrix product sums in another order).
 */
public final class BatchedKvFineTuner implements AutoCloseable {
  private final SequenceModel frozen;
  private final NDManager root;
  private final List<float[]> baseWeights = new ArrayList<>(); // per layer, [3 width * width]
  private final List<float[]> baseBiases = new ArrayList<>(); // per layer, [3 width]
  private final NDArray weightMask; // [3 width, 1]: 0 on Q rows, 1 on K and V rows
  private final NDArray biasMask; // [3 width]
  private final long blockElements;

  /**
   * @param seed the frozen copy's initialisation seed (overwritten by the base's weights at once)
   */
  public BatchedKvFineTuner(SequenceModel base, NDManager root, long seed) {
    this(base, root, seed, ChunkedCrossEntropy.BLOCK_ELEMENTS);
  }

  /** {@code blockElements}: logits per block of the chunked loss ({@link ChunkedCrossEntropy}). */
  BatchedKvFineTuner(SequenceModel base, NDManager root, long seed, long blockElements) {
    this.root = root;
    this.blockElements = blockElements;
    this.frozen = SequenceModel.create(base.config(), root, seed);
    ParameterStore from = base.parameters();
    ParameterStore to = frozen.parameters();
    for (int i = 0; i < to.arrays().size(); i++) {
      NDArray target = to.arrays().get(i);
      target.subi(target).addi(from.arrays().get(i));
      target.setRequiresGradient(false); // gradients flow through it, none is kept for it
    }
    int layers = base.config().layers();
    for (int l = 0; l < layers; l++) {
      baseWeights.add(parameter(from, "block%d.qkv.weight".formatted(l)));
      baseBiases.add(parameter(from, "block%d.qkv.bias".formatted(l)));
    }
    int width = base.config().width();
    float[] mask = new float[3 * width];
    for (int row = width; row < mask.length; row++) {
      mask[row] = 1f; // rows [0, width) are Q, [width, 2 width) K, [2 width, 3 width) V
    }
    weightMask = frozen.manager().create(mask, new Shape(mask.length, 1));
    biasMask = frozen.manager().create(mask, new Shape(mask.length));
  }

  private static float[] parameter(ParameterStore store, String name) {
    int i = store.names().indexOf(name);
    if (i < 0) {
      throw new IllegalArgumentException("the model has no " + name + " to fine-tune");
    }
    return store.arrays().get(i).toFloatArray();
  }

  /**
   * Trains one copy per row: row {@code r} on the demonstrations of episode {@code episodes[r]}
   * with rate {@code lrs[r]}.
   */
  // the NDScope is used only for its close(), which frees what each step created
  @SuppressWarnings("try")
  public Copies train(LabEpisodes from, int[] episodes, float[] lrs) {
    int rows = episodes.length;
    int length = from.sequenceLength();
    Copies copies = new Copies(root.newSubManager(), rows, from.pairs());
    try {
      NDArray weightRates = copies.manager.create(lrs, new Shape(rows, 1, 1));
      NDArray biasRates = copies.manager.create(lrs, new Shape(rows, 1));
      float[] x = new float[rows * length];
      long[] targets = new long[rows];
      for (int d = 0; d < from.pairs(); d++) {
        for (int r = 0; r < rows; r++) {
          int demo = episodes[r] * from.pairs() + d;
          System.arraycopy(from.demos(), demo * length, x, r * length, length);
          targets[r] = from.demoLabels()[demo];
        }
        try (NDScope scope = new NDScope();
            NDManager step = root.newSubManager()) {
          NDArray inputs = step.create(x, new Shape(rows, from.tokens(), from.inputDim()));
          float[] losses;
          try (GradientCollector collector = step.getEngine().newGradientCollector()) {
            losses = backwardRowLosses(inputs, targets, copies.projections, collector);
          }
          for (int r = 0; r < rows; r++) {
            copies.losses[r][d] = losses[r];
          }
          update(copies.projections.weights(), weightMask, weightRates, step);
          update(copies.projections.biases(), biasMask, biasRates, step);
        }
      }
      return copies;
    } catch (RuntimeException e) {
      copies.close();
      throw e;
    }
  }

  /**
   * Backpropagates the sum of the rows' cross-entropies into the copies' projections and returns
   * the row losses. A wide head (one label per class) takes the chunked loss, which never holds the
   * whole [rows, labels] logits; the frozen head itself needs no gradient.
   */
  private float[] backwardRowLosses(
      NDArray inputs, long[] targets, RowProjections projections, GradientCollector collector) {
    NDArray features = frozen.features(inputs, -1, null, projections); // [rows, width]
    LabelHead head = frozen.head();
    if (ChunkedCrossEntropy.pays(
        targets.length, head.labels(), ChunkedCrossEntropy.BLOCK_ELEMENTS)) {
      ChunkedCrossEntropy.Result r =
          ChunkedCrossEntropy.compute(
              features.stopGradient(), head, targets, 1, false, ChunkedCrossEntropy.BLOCK_ELEMENTS);
      collector.backward(features.mul(r.featureGrad()).sum()); // d/dF sum(F * g) = g
      return r.rowLosses();
    }
    NDArray target = inputs.getManager().create(targets, new Shape(targets.length, 1));
    NDArray rowLosses = head.apply(features).logSoftmax(-1).gather(target, 1).neg(); // [rows, 1]
    collector.backward(rowLosses.sum());
    return rowLosses.toFloatArray();
  }

  private static void update(List<NDArray> params, NDArray mask, NDArray rates, NDManager step) {
    for (NDArray p : params) {
      NDArray gradient = p.getGradient();
      gradient.attach(step);
      p.subi(gradient.mul(mask).muli(rates));
      JniUtils.zeroGrad((PtNDArray) p);
    }
  }

  /** The model every copy runs on: the base's weights, none of them trained. */
  SequenceModel frozen() {
    return frozen;
  }

  @Override
  public void close() {
    frozen.close();
  }

  /** The copies of one {@link #train} call; close them to free their weights. */
  public final class Copies implements AutoCloseable {
    private final NDManager manager;
    private final RowProjections projections;
    private final double[][] losses; // [row][demonstration], before each step's update

    private Copies(NDManager manager, int rows, int pairs) {
      this.manager = manager;
      List<NDArray> weights = new ArrayList<>();
      List<NDArray> biases = new ArrayList<>();
      for (int l = 0; l < baseWeights.size(); l++) {
        float[] w = baseWeights.get(l);
        float[] b = baseBiases.get(l);
        weights.add(tiled(w, rows, new Shape(rows, b.length, w.length / b.length)));
        biases.add(tiled(b, rows, new Shape(rows, b.length)));
      }
      this.projections = new RowProjections(weights, biases);
      this.losses = new double[rows][pairs];
    }

    private NDArray tiled(float[] values, int rows, Shape shape) {
      float[] all = new float[rows * values.length];
      for (int r = 0; r < rows; r++) {
        System.arraycopy(values, 0, all, r * values.length, values.length);
      }
      NDArray array = manager.create(all, shape);
      array.setRequiresGradient(true);
      return array;
    }

    /** Each row's per-demonstration losses, before each step's update. */
    public double[][] losses() {
      return losses;
    }

    /** Each row's projections: [rows, 3 width, width] and [rows, 3 width] per layer. */
    public RowProjections projections() {
      return projections;
    }

    /**
     * Scores each row's copy on its episode's query in the zero-shot format.
     *
     * @param hooks also record the attention outputs and scores at the query
     */
    public List<SettingRecord> probe(LabEpisodes from, int[] episodes, boolean hooks) {
      int length = from.sequenceLength();
      float[] queries = new float[episodes.length * length];
      for (int r = 0; r < episodes.length; r++) {
        System.arraycopy(from.zsl(), episodes[r] * length, queries, r * length, length);
      }
      LabProbe probe = new LabProbe(frozen, root, from.tokens(), from.inputDim());
      return probe.run(queries, projections, hooks);
    }

    @Override
    public void close() {
      manager.close();
    }
  }
}
