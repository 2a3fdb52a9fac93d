package dev.iclab.tune.ipt;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ForwardOptions;
import dev.iclab.lm.cache.KvCache;
import dev.iclab.tensor.Ops;
import dev.iclab.tune.Scoped;
import dev.iclab.tune.TrainableParameter;
import dev.iclab.tune.TrainingExample;
import dev.iclab.tune.TuneException;
import dev.iclab.tune.optim.AdamW;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Intrinsic subspace tuning of many runs in one forward and backward pass per step: the runs'
 * intrinsic vectors are the rows of one [runs, d_I] array per decoder, each run's decoded prompt is
 * {@link CausalLM#prefill prefilled} once and its cached keys and values repeated for its batch's
 * rows, and the rows (left-padded, so every answer ends at the same column) run as one batch after
 * them. The loss is the sum of the runs' own mean losses, so each row of the gradient is its run's
 * gradient exactly; clipping is per run (each row to its own norm) and AdamW is elementwise, so
 * every run follows the path that {@link IntrinsicTuner} under a {@code Trainer} with the same
 * settings (AdamW, constant rate, no weight decay, no dropout, one step per batch) takes alone,
 * within float rounding. A tiny model's IST is dominated by the cost of each engine call, which
 * this pays once per step instead of once per run and step.
 */
public final class BatchedIst {
  private BatchedIst() {}

  /**
   * One run.
   *
   * @param decoder the frozen auto-encoder whose decoder makes the prompt
   * @param initial the starting vector, d_I values
   * @param cycle the examples in step order, steps x batch size of them
   */
  public record Run(PromptAutoEncoder decoder, float[] initial, List<TrainingExample> cycle) {
    public Run {
      initial = initial.clone();
      cycle = List.copyOf(cycle);
      if (initial.length != decoder.shape().intrinsicDim()) {
        throw new IllegalArgumentException(
            "IST needs %d starting values, got %d"
                .formatted(decoder.shape().intrinsicDim(), initial.length));
      }
    }
  }

  /**
   * What a run ends with.
   *
   * @param vector the tuned intrinsic vector
   * @param losses each step's mean loss of the run's batch
   */
  public record Outcome(float[] vector, List<Double> losses) {}

  /**
   * Trains every run for {@code steps} AdamW steps of {@code batchSize} examples (run r's step s
   * uses its cycle's examples s x batch to (s + 1) x batch).
   *
   * @param clipNorm each run's gradient is clipped to this norm; 0 for none
   * @return the outcomes in the order of {@code runs}
   */
  public static List<Outcome> train(
      CausalLM model,
      List<Run> runs,
      int steps,
      int batchSize,
      double lr,
      double clipNorm,
      double labelSmoothing) {
    if (runs.isEmpty()) {
      return List.of();
    }
    for (Run run : runs) {
      if (run.cycle().size() < steps * batchSize) {
        throw new IllegalArgumentException(
            "a run needs %d examples for %d steps of %d, got %d"
                .formatted(steps * batchSize, steps, batchSize, run.cycle().size()));
      }
      if (run.decoder().shape().tokenDim() != model.config().hiddenSize()) {
        throw new IllegalArgumentException(
            "a decoder of token size %d for a model of hidden size %d"
                .formatted(run.decoder().shape().tokenDim(), model.config().hiddenSize()));
      }
    }
    // the runs of each decoder, in first-seen order; the batch is laid out in this order
    Map<PromptAutoEncoder, List<Integer>> byDecoder = new LinkedHashMap<>();
    for (int r = 0; r < runs.size(); r++) {
      byDecoder.computeIfAbsent(runs.get(r).decoder(), d -> new ArrayList<>()).add(r);
    }
    List<Integer> order = byDecoder.values().stream().flatMap(List::stream).toList();
    List<List<Double>> losses = new ArrayList<>();
    runs.forEach(r -> losses.add(new ArrayList<>()));
    try (NDManager manager = model.manager().newSubManager()) {
      List<TrainableParameter> vectors = new ArrayList<>();
      int index = 0;
      for (var e : byDecoder.entrySet()) {
        int dim = e.getKey().shape().intrinsicDim();
        float[] start = new float[e.getValue().size() * dim];
        for (int i = 0; i < e.getValue().size(); i++) {
          System.arraycopy(runs.get(e.getValue().get(i)).initial(), 0, start, i * dim, dim);
        }
        NDArray z = manager.create(start, new Shape(e.getValue().size(), dim));
        vectors.add(new TrainableParameter("z" + index++, z, null, false));
      }
      try (AdamW adam = new AdamW(manager, vectors, 0.9, 0.999, 1e-8, 0)) {
        vectors.forEach(p -> p.array().setRequiresGradient(true));
        try {
          for (int step = 0; step < steps; step++) {
            List<List<TrainingExample>> batches = new ArrayList<>();
            for (int r : order) {
              batches.add(runs.get(r).cycle().subList(step * batchSize, (step + 1) * batchSize));
            }
            try (NDManager scope = manager.newSubManager()) {
              float[] values;
              try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                List<PromptAutoEncoder> decoders = new ArrayList<>(byDecoder.keySet());
                NDList prompts = new NDList();
                for (int d = 0; d < decoders.size(); d++) {
                  prompts.add(
                      decoders.get(d).decode(scope, Scoped.use(scope, vectors.get(d).array())));
                }
                NDArray prompt = prompts.size() == 1 ? prompts.get(0) : NDArrays.concat(prompts, 0);
                SubspaceShape s = decoders.get(0).shape();
                NDArray perRun =
                    runLosses(
                        scope,
                        model,
                        prompt.reshape(order.size(), s.promptLength(), s.tokenDim()),
                        batches,
                        labelSmoothing); // [runs]
                values = perRun.toFloatArray();
                collector.backward(perRun.sum());
              }
              for (int i = 0; i < order.size(); i++) {
                if (!Float.isFinite(values[i])) {
                  throw new TuneException(
                      "IST loss became %s at step %d; lower the IST learning rate"
                          .formatted(values[i], step + 1));
                }
                losses.get(order.get(i)).add((double) values[i]);
              }
              List<NDArray> grads = new ArrayList<>();
              for (TrainableParameter p : vectors) {
                NDArray raw = Scoped.in(scope, p.array().getGradient());
                NDArray g = raw.duplicate();
                raw.muli(0f);
                grads.add(clipRows(scope, g, clipNorm));
              }
              adam.step(scope, vectors, grads, lr);
            }
          }
        } finally {
          vectors.forEach(p -> p.array().setRequiresGradient(false));
        }
      }
      float[][] ends = new float[runs.size()][];
      int d = 0;
      for (List<Integer> members : byDecoder.values()) {
        float[] all = vectors.get(d++).array().toFloatArray();
        int dim = all.length / members.size();
        for (int i = 0; i < members.size(); i++) {
          ends[members.get(i)] = java.util.Arrays.copyOfRange(all, i * dim, (i + 1) * dim);
        }
      }
      List<Outcome> out = new ArrayList<>();
      for (int r = 0; r < runs.size(); r++) {
        out.add(new Outcome(ends[r], List.copyOf(losses.get(r))));
      }
      return out;
    }
  }

  /**
   * Each row of {@code g} [runs, d_I] scaled to norm {@code clipNorm} when above it, as the trainer
   * clips one run's gradient (factor clip / (norm + 1e-6)).
   */
  private static NDArray clipRows(NDManager scope, NDArray g, double clipNorm) {
    if (clipNorm <= 0) {
      return g;
    }
    long rows = g.getShape().get(0);
    float[] squared = Scoped.in(scope, g.square()).sum(new int[] {1}).toFloatArray();
    float[] factors = new float[(int) rows];
    for (int r = 0; r < rows; r++) {
      double norm = Math.sqrt(squared[r]);
      factors[r] = norm > clipNorm ? (float) (clipNorm / (norm + 1e-6)) : 1f;
    }
    return g.mul(scope.create(factors, new Shape(rows, 1)));
  }

  /**
   * Each run's mean causal-LM loss over the answer tokens of its batch, behind its own prompt.
   *
   * @param prompts [runs, P, hidden], one per batch
   * @param batches each run's examples, all of one size
   * @return [runs], owned by {@code scope}
   */
  static NDArray runLosses(
      NDManager scope,
      CausalLM model,
      NDArray prompts,
      List<List<TrainingExample>> batches,
      double labelSmoothing) {
    int runs = batches.size();
    int per = batches.get(0).size();
    if (batches.stream().anyMatch(b -> b.size() != per)) {
      throw new IllegalArgumentException("every run's batch must have the same size");
    }
    int p = (int) prompts.getShape().get(1);
    int n = runs * per;
    int length = 0;
    int answer = 0;
    for (List<TrainingExample> batch : batches) {
      for (TrainingExample e : batch) {
        length = Math.max(length, e.ids().length);
        answer = Math.max(answer, e.ids().length - Math.max(1, e.lossFrom()));
      }
    }
    if (answer < 1) {
      throw new IllegalArgumentException("no example has a token to predict");
    }
    // row n = run * per + j, left-padded: token t of an example of length len sits at column
    // length - len + t, so every row predicts its answer in the last `answer` columns but one
    long[] ids = new long[n * length];
    float[] visible = new float[n * (p + length)];
    long[] targets = new long[n * answer];
    float[] weights = new float[n * answer];
    float[] counts = new float[runs];
    int first = length - 1 - answer; // the first output column
    for (int r = 0; r < runs; r++) {
      for (int j = 0; j < per; j++) {
        int row = r * per + j;
        TrainingExample e = batches.get(r).get(j);
        int len = e.ids().length;
        int offset = length - len;
        for (int c = 0; c < p; c++) {
          visible[row * (p + length) + c] = 1;
        }
        for (int t = 0; t < len; t++) {
          ids[row * length + offset + t] = e.ids()[t];
          visible[row * (p + length) + p + offset + t] = 1;
        }
        int from = Math.max(1, e.lossFrom());
        for (int i = 0; i < answer; i++) {
          int t = first + i + 1 - offset; // the token predicted at this column
          if (t >= from && t < len) {
            targets[row * answer + i] = e.ids()[t];
            weights[row * answer + i] = 1;
            counts[r]++;
          }
        }
      }
    }
    int[] columns = new int[answer];
    for (int i = 0; i < answer; i++) {
      columns[i] = first + i;
    }
    KvCache prompt = model.newCache(scope);
    model.prefill(scope, prompts, prompt);
    KvCache rows = prompt.repeatBatch(scope, per); // row r * per + j behind prompt r
    NDArray logits =
        model.forward(
            scope,
            scope.create(ids, new Shape(n, length)),
            ForwardOptions.withCache(rows)
                .mask(scope.create(visible, new Shape(n, p + length)))
                .outputRows(columns)); // [n, answer, V]
    NDArray logp = logits.logSoftmax(-1);
    NDArray target = scope.create(targets, new Shape(n, answer, 1));
    NDArray tokenLoss = logp.gather(target, 2).squeeze(2).neg(); // [n, answer]
    if (labelSmoothing > 0) {
      NDArray uniform = logp.mean(new int[] {2}).neg(); // [n, answer]
      tokenLoss =
          Ops.scale(tokenLoss, (float) (1 - labelSmoothing))
              .add(Ops.scale(uniform, (float) labelSmoothing));
    }
    NDArray summed =
        tokenLoss
            .mul(scope.create(weights, new Shape(n, answer)))
            .reshape(runs, per * answer)
            .sum(new int[] {1}); // [runs]
    return summed.div(scope.create(counts, new Shape(runs)));
  }
}
