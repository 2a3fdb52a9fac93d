package dev.iclab.experiments.ipt;

import dev.iclab.IclabException;
import dev.iclab.data.Example;
import dev.iclab.data.Task;
import dev.iclab.data.fewshot.FewShotSampler;
import dev.iclab.data.fewshot.FewShotSplits;
import dev.iclab.data.fewshot.FewShotTask;
import dev.iclab.data.fewshot.TaskFamilies;
import dev.iclab.data.io.DatasetLoader;
import dev.iclab.icl.IclEvaluator;
import dev.iclab.icl.Prompt;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.tokenizer.Tokenizer;
import dev.iclab.tune.ipt.LabeledQuery;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Samples and tokenizes a study's tasks. Each example becomes the zero-shot prompt {@code iclab
 * eval --shots 0} scores (instruction, template; {@link IclEvaluator#tokenize}) with the label
 * words as candidates. An example that does not fit the context window after the soft prompt is
 * left out and counted; a task left without training, dev or test examples is an error.
 */
public final class IptTasks {
  private IptTasks() {}

  /**
   * @throws IclabException when the prompt length leaves no room in the context window, or a task
   *     loses a whole split to it
   */
  public static Map<String, IptTask> load(
      IptConfig config, TaskFamilies families, Path dataDir, CausalLM model, Tokenizer tokenizer) {
    int window = model.config().contextLength();
    if (config.promptLength() + 2 > window) {
      throw new IclabException(
          "--prompt-length %d does not fit the context window of %d tokens of %s; use at most %d"
              .formatted(config.promptLength(), window, config.model(), window - 2));
    }
    DatasetLoader loader = new DatasetLoader(dataDir, false);
    Map<String, DatasetLoader.Splits> loaded = new HashMap<>();
    IclEvaluator evaluator = new IclEvaluator(model, tokenizer);
    Map<String, IptTask> tasks = new LinkedHashMap<>();
    for (String name : config.allTasks()) {
      FewShotTask task = families.resolve(name);
      DatasetLoader.Splits splits =
          loaded.computeIfAbsent(task.base().name(), n -> loader.load(task.base()));
      FewShotSplits sampled =
          FewShotSampler.sample(
              task, splits, config.shotsPerClass(), config.testCap(), config.seed());
      int room = window - config.promptLength();
      int[] leftOut = new int[1];
      List<LabeledQuery> train = tokenize(evaluator, task.task(), sampled.train(), room, leftOut);
      List<LabeledQuery> dev = tokenize(evaluator, task.task(), sampled.dev(), room, leftOut);
      List<LabeledQuery> test = tokenize(evaluator, task.task(), sampled.test(), room, leftOut);
      if (train.isEmpty() || dev.isEmpty() || test.isEmpty()) {
        throw new IclabException(
            "task %s: no %s example fits the context window (%d tokens) after a %d-token soft prompt; lower --prompt-length"
                .formatted(
                    name,
                    train.isEmpty() ? "training" : dev.isEmpty() ? "dev" : "test",
                    window,
                    config.promptLength()));
      }
      tasks.put(name, new IptTask(task, sampled, train, dev, test, leftOut[0]));
    }
    return tasks;
  }

  private static List<LabeledQuery> tokenize(
      IclEvaluator evaluator, Task task, List<Example> examples, int room, int[] leftOut) {
    List<LabeledQuery> out = new ArrayList<>();
    for (Example e : examples) {
      Prompt prompt =
          new Prompt(task.instruction(), List.of(), e, task.template(), task.labelWords());
      IclEvaluator.Tokens t = evaluator.tokenize(prompt);
      LabeledQuery q = new LabeledQuery(t.context(), t.candidates(), e.label());
      if (q.longest() > room) {
        leftOut[0]++;
      } else {
        out.add(q);
      }
    }
    return out;
  }
}
