package dev.iclab.tune.ipt;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.weights.DType;
import dev.iclab.lm.weights.SafetensorsWriter;
import dev.iclab.tune.Scoped;
import dev.iclab.tune.TrainableParameter;
import dev.iclab.tune.TrainingExample;
import dev.iclab.tune.TuneException;
import dev.iclab.tune.optim.AdamW;
import dev.iclab.tune.peft.PeftFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Trains a {@link PromptAutoEncoder} on the training tasks' prompts with {@link MsfLoss}, AdamW,
 * the model frozen. Step s takes task {@code order(s / tasks)[s % tasks]} and a batch drawn from
 * {@code (seed, s)}, so the run is a function of its config and a run resumed from a checkpoint
 * (the arrays, AdamW's moments and the step) ends where an uninterrupted one does.
 */
public final class MsfTrainer {
  /** What a listener hears after each step. */
  public record Progress(int step, int steps, String task, double loss, double lm, double mse) {}

  private final CausalLM model;
  private final PromptAutoEncoder autoEncoder;
  private final MsfConfig config;
  private final List<TaskPrompt> tasks;

  public MsfTrainer(
      CausalLM model, PromptAutoEncoder autoEncoder, MsfConfig config, List<TaskPrompt> tasks) {
    if (tasks.isEmpty()) {
      throw new TuneException("MSF needs at least one training task with a prompt");
    }
    for (TaskPrompt t : tasks) {
      if (t.prompt().length != autoEncoder.shape().flat()) {
        throw new TuneException(
            "the prompt of task %s has %d numbers; the auto-encoder expects %d (prompt length x hidden size)"
                .formatted(t.name(), t.prompt().length, autoEncoder.shape().flat()));
      }
    }
    this.model = model;
    this.autoEncoder = autoEncoder;
    this.config = config;
    this.tasks = List.copyOf(tasks);
  }

  /** The task index of 0-based step {@code step}. */
  int taskAt(int step) {
    int n = tasks.size();
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    SplittableRandom random = new SplittableRandom(config.seed() * 31 + step / n);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order[step % n];
  }

  private List<TrainingExample> batchAt(int step, List<TrainingExample> train) {
    List<TrainingExample> pool = new ArrayList<>(train);
    SplittableRandom random = new SplittableRandom(config.seed() * 0x9E3779B97F4A7C15L + step);
    for (int i = pool.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      TrainingExample t = pool.get(i);
      pool.set(i, pool.get(j));
      pool.set(j, t);
    }
    return pool.subList(0, Math.min(config.batchSize(), pool.size()));
  }

  /**
   * Trains for the configured steps, continuing from {@code checkpoint} when it exists, and writing
   * it every {@code checkpointEvery} steps (when not null).
   *
   * @return the loss of each step (LM term, MSE term, total), all steps including resumed ones
   */
  public List<double[]> train(Path checkpoint, Consumer<Progress> listener) {
    List<TrainableParameter> parameters = autoEncoder.parameters();
    List<double[]> history = new ArrayList<>();
    try (AdamW optimizer = new AdamW(model.manager(), parameters, 0.9, 0.999, 1e-8, 0)) {
      int start = 0;
      if (checkpoint != null && Files.isRegularFile(checkpoint)) {
        start = restore(checkpoint, parameters, optimizer, history);
      }
      parameters.forEach(p -> p.array().setRequiresGradient(true));
      try {
        for (int step = start; step < config.steps(); step++) {
          TaskPrompt task = tasks.get(taskAt(step));
          double[] losses = step(task, batchAt(step, task.train()), parameters, optimizer, step);
          history.add(losses);
          listener.accept(
              new Progress(step + 1, config.steps(), task.name(), losses[2], losses[0], losses[1]));
          boolean due = config.checkpointEvery() > 0 && (step + 1) % config.checkpointEvery() == 0;
          if (checkpoint != null && due && step + 1 < config.steps()) {
            save(checkpoint, parameters, optimizer, history);
          }
        }
      } finally {
        parameters.forEach(p -> p.array().setRequiresGradient(false));
      }
    }
    return history;
  }

  private double[] step(
      TaskPrompt task,
      List<TrainingExample> batch,
      List<TrainableParameter> parameters,
      AdamW optimizer,
      int step) {
    try (NDManager scope = model.manager().newSubManager()) {
      double lm;
      double mse;
      double total;
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray prompt = scope.create(task.prompt(), new Shape(1, task.prompt().length));
        MsfLoss loss =
            MsfLoss.of(
                scope, model, autoEncoder, prompt, batch, config.alpha(), config.labelSmoothing());
        total = loss.total().getFloat();
        lm = loss.lm().getFloat();
        mse = loss.mse().getFloat();
        if (!Double.isFinite(total)) {
          throw new TuneException(
              "MSF loss became %s at step %d (task %s); lower --msf-lr"
                  .formatted(total, step + 1, task.name()));
        }
        collector.backward(loss.total());
      }
      // The gradient buffers themselves (about 20M numbers at P*d = 12,800 and H = 768) are
      // clipped, stepped with and zeroed in place: copies and squares of them cost as much as
      // the model's own step.
      List<NDArray> grads = new ArrayList<>();
      double squared = 0;
      for (TrainableParameter p : parameters) {
        NDArray g = Scoped.in(scope, p.array().getGradient());
        grads.add(g);
        double n = Scoped.in(scope, g.norm()).getFloat();
        squared += n * n;
      }
      double norm = Math.sqrt(squared);
      if (config.clipNorm() > 0 && norm > config.clipNorm()) {
        float factor = (float) (config.clipNorm() / (norm + 1e-6));
        grads.forEach(g -> g.muli(factor));
      }
      optimizer.step(scope, parameters, grads, config.lr());
      grads.forEach(g -> g.muli(0f)); // PyTorch accumulates into .grad until it is zeroed
      return new double[] {lm, mse, total};
    }
  }

  private static void save(
      Path file, List<TrainableParameter> parameters, AdamW optimizer, List<double[]> history) {
    Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
    for (TrainableParameter p : parameters) {
      tensors.put(
          "model." + p.name(),
          new SafetensorsWriter.Tensor(p.array().getShape().getShape(), p.array().toFloatArray()));
    }
    optimizer
        .state()
        .forEach(
            (k, v) ->
                tensors.put("optim." + k, new SafetensorsWriter.Tensor(new long[] {v.length}, v)));
    float[] h = new float[history.size() * 3];
    for (int i = 0; i < history.size(); i++) {
      for (int j = 0; j < 3; j++) {
        h[i * 3 + j] = (float) history.get(i)[j];
      }
    }
    if (h.length > 0) {
      tensors.put("history", new SafetensorsWriter.Tensor(new long[] {history.size(), 3}, h));
    }
    SafetensorsWriter.write(
        file, tensors, DType.F32, Map.of("step", Integer.toString(history.size())));
  }

  private static int restore(
      Path file, List<TrainableParameter> parameters, AdamW optimizer, List<double[]> history) {
    Map<String, SafetensorsWriter.Tensor> tensors = PeftFormat.readFile(file);
    for (TrainableParameter p : parameters) {
      SafetensorsWriter.Tensor t = tensors.get("model." + p.name());
      if (t == null || t.values().length != p.size()) {
        throw new TuneException(
            "MSF checkpoint %s does not match the auto-encoder (%s); delete it to start MSF anew"
                .formatted(file, p.name()));
      }
      p.array().set(t.values());
    }
    Map<String, float[]> state = new LinkedHashMap<>();
    tensors.forEach(
        (k, v) -> {
          if (k.startsWith("optim.")) {
            state.put(k.substring("optim.".length()), v.values());
          }
        });
    optimizer.restore(state);
    SafetensorsWriter.Tensor h = tensors.get("history");
    if (h != null) {
      for (int i = 0; i < h.shape()[0]; i++) {
        history.add(new double[] {h.values()[i * 3], h.values()[i * 3 + 1], h.values()[i * 3 + 2]});
      }
    }
    return history.size();
  }
}
