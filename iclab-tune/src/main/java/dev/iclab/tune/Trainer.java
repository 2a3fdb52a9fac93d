package dev.iclab.tune;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.tensor.Ops;
import dev.iclab.tune.optim.AdamW;
import dev.iclab.tune.optim.LrSchedule;
import dev.iclab.tune.optim.Optimizer;
import dev.iclab.tune.optim.Sgd;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Trains a {@link Tuner}'s parameters with the causal-LM loss.
 *
 * <p>Each micro-batch runs forward and backward inside its own child manager and its own {@link
 * GradientCollector} (one at a time, as DJL requires); PyTorch adds the gradients of successive
 * backward passes, which is the accumulation. Each optimizer step runs in a child manager too:
 * gradients are read (DJL's {@code getGradient} hands out a new handle per call, so each is
 * attached to the step's manager at once), masked, clipped to a global norm, applied in place, and
 * zeroed. Only the tuner's arrays require gradients, so frozen weights never get any.
 *
 * <p>Everything random in a step (dropout) is drawn after re-seeding the engine with a function of
 * the seed and the step, and the data order is a function of the seed and the epoch; so a run
 * restored from a {@link TrainingCheckpoint} at step k and continued gives the same parameters as
 * one that never stopped.
 */
public final class Trainer implements AutoCloseable {
  /**
   * What a listener hears after each optimizer step.
   *
   * @param batchHash a fingerprint of the step's token ids in order; equal hashes in two runs mean
   *     they trained on the same batches
   */
  public record Progress(
      int step,
      int totalSteps,
      int epoch,
      double loss,
      double lr,
      double gradNorm,
      long tokens,
      double tokensPerSecond,
      long batchHash) {
    /**
     * The step's line of a run's metrics.jsonl (tune and pretrain): step, epoch, loss, lr,
     * grad_norm, tokens (counted on from {@code tokensBefore}, a resumed run's count at its
     * checkpoint) and tokens_per_s.
     */
    public ObjectNode metricsLine(long tokensBefore) {
      ObjectNode line = JsonNodeFactory.instance.objectNode();
      line.put("step", step);
      line.put("epoch", epoch);
      line.put("loss", loss);
      line.put("lr", lr);
      line.put("grad_norm", gradNorm);
      line.put("tokens", tokensBefore + tokens);
      line.put("tokens_per_s", tokensPerSecond);
      return line;
    }
  }

  /** The losses of a run (mean loss of each optimizer step's tokens). */
  public record Result(int steps, long tokens, List<Double> losses, double seconds) {}

  private final Tuner tuner;
  private final CausalLM model;
  private final TrainingConfig config;
  private final List<TrainableParameter> parameters;
  private final Optimizer optimizer;
  private final LrSchedule schedule;
  private final int totalSteps;
  private final int examples;
  private boolean training;

  /**
   * @param examples number of training sequences (fixes the schedule's length)
   */
  public Trainer(Tuner tuner, TrainingConfig config, int examples) {
    this(tuner, config, examples, Integer.MAX_VALUE);
  }

  /**
   * As {@link #Trainer(Tuner, TrainingConfig, int)}, stopping after {@code maxSteps} optimizer
   * steps (the schedule then ends there): pre-training runs a number of steps, not of epochs.
   */
  public Trainer(Tuner tuner, TrainingConfig config, int examples, int maxSteps) {
    if (maxSteps < 1) {
      throw new IllegalArgumentException("maxSteps must be >= 1, got " + maxSteps);
    }
    if (examples < 1) {
      throw new TuneException(
          "no training examples; give a --data file with at least one non-empty text");
    }
    this.tuner = tuner;
    this.model = tuner.model();
    this.config = config;
    this.examples = examples;
    this.parameters = List.copyOf(tuner.parameters());
    if (parameters.isEmpty()) {
      throw new TuneException(
          "method %s has nothing to train on this model: give it weights to train (--prefix-len, --prompt-len or --adapter-size of at least 1, or a --target that names a module of the model)"
              .formatted(tuner.method()));
    }
    this.totalSteps = Math.min(config.totalSteps(examples), maxSteps);
    this.schedule =
        new LrSchedule(
            config.schedule(), config.lr(), Math.min(config.warmupSteps(), totalSteps), totalSteps);
    this.optimizer =
        config.optimizer().equals("sgd")
            ? new Sgd()
            : new AdamW(model.manager(), parameters, 0.9, 0.999, 1e-8, config.weightDecay());
  }

  public Optimizer optimizer() {
    return optimizer;
  }

  /** The trained arrays, in the tuner's order. */
  public List<TrainableParameter> parameters() {
    return parameters;
  }

  public Tuner tuner() {
    return tuner;
  }

  public TrainingConfig config() {
    return config;
  }

  /** Number of training sequences the schedule was built for. */
  public int examples() {
    return examples;
  }

  /**
   * Runs {@code work} with dropout off and returns its result; for evaluation between steps, from a
   * listener. Draws nothing from the step's random stream, so the run continues as it would have.
   */
  public <T> T evaluating(Supplier<T> work) {
    tuner.setTraining(false);
    try {
      return work.get();
    } finally {
      tuner.setTraining(training);
    }
  }

  /** The engine seed of 0-based optimizer step {@code step} (SplitMix64 of seed and step). */
  static int stepSeed(long seed, int step) {
    long z = seed * 0x9E3779B97F4A7C15L + step;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return (int) (z ^ (z >>> 31)) & Integer.MAX_VALUE;
  }

  public int totalSteps() {
    return totalSteps;
  }

  /** The order in which {@code epoch} visits the examples (seeded shuffle, or file order). */
  public int[] order(int epoch) {
    int[] order = new int[examples];
    for (int i = 0; i < examples; i++) {
      order[i] = i;
    }
    if (config.shuffle()) {
      SplittableRandom random = new SplittableRandom(config.seed() * 31 + epoch);
      for (int i = examples - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    return order;
  }

  /** Trains from the first step. */
  public Result train(List<TrainingExample> data, Consumer<Progress> listener) {
    return train(data, 0, listener);
  }

  /**
   * Trains from optimizer step {@code startStep} (after {@link Optimizer#restore} when resuming):
   * the steps before it are skipped in the same order as the first run would have taken them.
   */
  public Result train(List<TrainingExample> data, int startStep, Consumer<Progress> listener) {
    if (data.size() != examples) {
      throw new IllegalArgumentException(
          "trainer built for " + examples + " examples, got " + data.size());
    }
    List<Double> losses = new ArrayList<>();
    long tokens = 0;
    long start = System.nanoTime();
    parameters.forEach(p -> p.array().setRequiresGradient(true));
    training = true;
    tuner.setTraining(true);
    try {
      int step = 0;
      for (int epoch = 0; epoch < config.epochs() && step < totalSteps; epoch++) {
        int[] order = order(epoch);
        List<List<TrainingExample>> batches = new ArrayList<>();
        for (int i = 0; i < order.length; i += config.batchSize()) {
          List<TrainingExample> batch = new ArrayList<>();
          for (int j = i; j < Math.min(order.length, i + config.batchSize()); j++) {
            batch.add(data.get(order[j]));
          }
          batches.add(batch);
        }
        for (int b = 0; b < batches.size() && step < totalSteps; b += config.gradAccum(), step++) {
          if (step < startStep) {
            continue;
          }
          Engine.getInstance().setRandomSeed(stepSeed(config.seed(), step));
          List<List<TrainingExample>> group =
              batches.subList(b, Math.min(batches.size(), b + config.gradAccum()));
          double loss = 0;
          long groupTokens = 0;
          long batchHash = 1;
          for (int m = 0; m < group.size(); m++) {
            List<TrainingExample> micro = group.get(m);
            loss += accumulate(micro, 1.0 / group.size(), step, m) / group.size();
            groupTokens += micro.stream().mapToLong(e -> e.ids().length).sum();
            for (TrainingExample e : micro) {
              batchHash = 31 * batchHash + java.util.Arrays.hashCode(e.ids());
            }
          }
          double lr = schedule.at(step);
          double norm = update(lr);
          losses.add(loss);
          tokens += groupTokens;
          double seconds = (System.nanoTime() - start) / 1e9;
          listener.accept(
              new Progress(
                  step + 1,
                  totalSteps,
                  epoch,
                  loss,
                  lr,
                  norm,
                  tokens,
                  tokens / seconds,
                  batchHash));
        }
      }
    } finally {
      training = false;
      tuner.setTraining(false);
      parameters.forEach(p -> p.array().setRequiresGradient(false));
    }
    return new Result(losses.size(), tokens, losses, (System.nanoTime() - start) / 1e9);
  }

  /**
   * Forward and backward of micro-batch {@code micro} of a step, the loss scaled by {@code weight};
   * returns the loss.
   */
  private double accumulate(List<TrainingExample> batch, double weight, int step, int micro) {
    if (config.recompute() == TrainingConfig.Recompute.LAYERS) {
      try (NDManager scope = model.manager().newSubManager()) {
        return LayerRecompute.accumulate(
            scope,
            tuner,
            batch,
            config.labelSmoothing(),
            weight,
            stepSeed(stepSeed(config.seed(), step), micro),
            value -> {
              if (!Double.isFinite(value)) {
                throw nonFiniteLoss(value, step);
              }
            });
      }
    }
    try (NDManager scope = model.manager().newSubManager();
        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray loss = BatchLoss.batchLoss(scope, tuner, batch, config.labelSmoothing());
      double value = loss.getFloat();
      if (!Double.isFinite(value)) {
        throw nonFiniteLoss(value, step);
      }
      collector.backward(weight == 1 ? loss : Ops.scale(loss, (float) weight));
      return value;
    }
  }

  /**
   * A loss that is not finite before the first update comes from the model itself (its weights or
   * config.json), not from the learning rate, and says so.
   */
  private static TuneException nonFiniteLoss(double value, int step) {
    if (step == 0) {
      return new TuneException(
          ("the loss is %s at the first step, before any update, so the learning rate is not the"
                  + " cause: the model computes non-finite values on this data; check it with"
                  + " `iclab score` or `iclab perplexity` and restore a sound checkpoint")
              .formatted(value));
    }
    return new TuneException(
        "training loss became %s at step %d; lower --lr or set --clip-norm"
            .formatted(value, step + 1));
  }

  /** Applies one optimizer step with the accumulated gradients; returns their global norm. */
  private double update(double lr) {
    try (NDManager scope = model.manager().newSubManager()) {
      List<NDArray> grads = readGradients(scope, parameters);
      double squared = 0;
      for (NDArray g : grads) {
        try (NDManager local = scope.newSubManager()) { // one gradient's square at a time
          squared += Scoped.in(local, g.square()).sum().getFloat();
        }
      }
      double norm = Math.sqrt(squared);
      if (config.clipNorm() > 0 && norm > config.clipNorm()) {
        float factor = (float) (config.clipNorm() / (norm + 1e-6));
        grads.forEach(g -> g.muli(factor)); // the step's own copies
      }
      optimizer.step(scope, parameters, grads, lr);
      return norm;
    }
  }

  /** The masked gradients of {@code parameters}, owned by {@code scope}; zeroes the originals. */
  static List<NDArray> readGradients(NDManager scope, List<TrainableParameter> parameters) {
    List<NDArray> grads = new ArrayList<>();
    for (TrainableParameter p : parameters) {
      NDArray raw = Scoped.in(scope, p.array().getGradient());
      NDArray g = raw.duplicate();
      raw.muli(0f); // PyTorch accumulates into .grad until it is zeroed
      if (p.gradientMask() != null) {
        g = g.mul(p.gradientMask());
      }
      grads.add(g);
    }
    return grads;
  }

  @Override
  public void close() {
    optimizer.close();
  }
}
