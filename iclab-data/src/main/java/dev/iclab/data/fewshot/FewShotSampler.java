package dev.iclab.data.fewshot;

import dev.iclab.data.Dataset;
import dev.iclab.data.DatasetException;
import dev.iclab.data.Example;
import dev.iclab.data.io.DatasetLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * CrossFit-style few-shot data (Ye et al. 2021, used by Qin et al.): K examples per class for
 * training and another K per class for dev, drawn from the training pool with a seed; the test
 * examples from the evaluation split (or, for a base with one labelled file, from the pool's rows
 * left after train and dev), shuffled and capped.
 *
 * <p>Each class's rows are shuffled by {@code java.util.Random} seeded with a function of the seed
 * and the task's name, so two tasks of a study get different draws and the same name and seed
 * always the same; the first K become train, the next K dev. Train and dev are then shuffled
 * together per split so that classes interleave.
 */
public final class FewShotSampler {
  private FewShotSampler() {}

  /**
   * @param splits the base task's loaded splits
   * @param shotsPerClass K, at least 1
   * @param testCap at most this many test examples, at least 1
   * @throws DatasetException when a class has fewer than 2K rows in the pool, or no test is left
   */
  public static FewShotSplits sample(
      FewShotTask task, DatasetLoader.Splits splits, int shotsPerClass, int testCap, long seed) {
    if (shotsPerClass < 1 || testCap < 1) {
      throw new DatasetException(
          "--shots-per-class and the test cap must be >= 1; got %d and %d"
              .formatted(shotsPerClass, testCap));
    }
    Random random = new Random(seedFor(seed, task.name()));
    List<List<Example>> byClass = byClass(task, splits.train());
    List<Example> train = new ArrayList<>();
    List<Example> dev = new ArrayList<>();
    Set<String> used = new HashSet<>();
    for (int label = 0; label < byClass.size(); label++) {
      List<Example> rows = byClass.get(label);
      if (rows.size() < 2 * shotsPerClass) {
        throw new DatasetException(
            ("task %s: class %s has %d examples in %s, fewer than 2 x --shots-per-class %d (train"
                    + " and dev); lower --shots-per-class or leave the task out")
                .formatted(
                    task.name(),
                    task.task().labelNames().get(label),
                    rows.size(),
                    splits.train().source(),
                    shotsPerClass));
      }
      Collections.shuffle(rows, random);
      train.addAll(rows.subList(0, shotsPerClass));
      dev.addAll(rows.subList(shotsPerClass, 2 * shotsPerClass));
      rows.subList(0, 2 * shotsPerClass).forEach(e -> used.add(e.id()));
    }
    Collections.shuffle(train, random);
    Collections.shuffle(dev, random);
    List<Example> test = new ArrayList<>();
    Dataset testSource = task.testFromPool() ? splits.train() : splits.eval();
    for (List<Example> rows : byClass(task, testSource)) {
      for (Example e : rows) {
        if (!task.testFromPool() || !used.contains(e.id())) {
          test.add(e);
        }
      }
    }
    Collections.shuffle(test, random);
    if (test.isEmpty()) {
      throw new DatasetException(
          "task %s has no test example left in %s; lower --shots-per-class or leave the task out"
              .formatted(task.name(), testSource.source()));
    }
    return new FewShotSplits(train, dev, test.subList(0, Math.min(testCap, test.size())));
  }

  /** The rows of each of the task's labels, relabelled to the task's label order, in file order. */
  private static List<List<Example>> byClass(FewShotTask task, Dataset data) {
    List<List<Example>> byClass = new ArrayList<>();
    for (int i = 0; i < task.baseLabels().size(); i++) {
      byClass.add(new ArrayList<>());
    }
    for (Example e : data.examples()) {
      int label = task.labelOf(e.label());
      if (label >= 0) {
        byClass.get(label).add(new Example(e.id(), e.fields(), label));
      }
    }
    return byClass;
  }

  /** A seed per task: the study's seed mixed with the name's (specified, stable) hash code. */
  static long seedFor(long seed, String taskName) {
    return seed * 0x9E3779B97F4A7C15L + taskName.hashCode();
  }
}
