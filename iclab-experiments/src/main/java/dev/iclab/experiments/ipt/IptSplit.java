package dev.iclab.experiments.ipt;

import dev.iclab.IclabException;
import dev.iclab.data.fewshot.TaskFamilies;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Turns the task flags into training and test lists, {@code family:*} expanded.
 *
 * <ul>
 *   <li>{@code given}: --train-tasks and --test-tasks as listed.
 *   <li>{@code random}: --tasks shuffled with {@code java.util.Random(seed)}; the last
 *       round(fraction x n) (at least 1) are test tasks.
 *   <li>{@code family}: of --tasks, the pairs derived from a multi-class task train, the whole
 *       tasks test (e.g. train on trec:* and sst5:*, test on trec and sst5).
 * </ul>
 */
public final class IptSplit {
  /** The two lists. */
  public record Lists(List<String> train, List<String> test) {}

  private IptSplit() {}

  public static Lists resolve(
      TaskFamilies families,
      String split,
      List<String> tasks,
      List<String> trainTasks,
      List<String> testTasks,
      double testFraction,
      long seed) {
    switch (split) {
      case "given" -> {
        if (!tasks.isEmpty() || trainTasks.isEmpty() || testTasks.isEmpty()) {
          throw new IclabException(
              "--split given needs --train-tasks and --test-tasks (and no --tasks); e.g. --train-tasks trec:* --test-tasks agnews:*");
        }
        return new Lists(families.expand(trainTasks), families.expand(testTasks));
      }
      case "random" -> {
        List<String> all = needTasks(families, split, tasks, trainTasks, testTasks);
        if (!(testFraction > 0 && testFraction < 1)) {
          throw new IclabException(
              "--test-fraction must be in (0, 1), got %s".formatted(testFraction));
        }
        if (all.size() < 2) {
          throw new IclabException(
              "--split random needs at least 2 tasks (one to train, one to test); --tasks gives %d"
                  .formatted(all.size()));
        }
        List<String> shuffled = new ArrayList<>(all);
        Collections.shuffle(shuffled, new Random(seed));
        int test =
            (int) Math.max(1, Math.min(all.size() - 1, Math.round(testFraction * all.size())));
        return new Lists(
            List.copyOf(shuffled.subList(0, all.size() - test)),
            List.copyOf(shuffled.subList(all.size() - test, all.size())));
      }
      case "family" -> {
        List<String> all = needTasks(families, split, tasks, trainTasks, testTasks);
        List<String> train = all.stream().filter(t -> t.contains(":")).toList();
        List<String> test = all.stream().filter(t -> !t.contains(":")).toList();
        if (train.isEmpty() || test.isEmpty()) {
          throw new IclabException(
              ("--split family needs derived pair tasks to train and whole tasks to test; --tasks"
                      + " gives %d pairs and %d whole tasks (e.g. --tasks trec:*,sst5:*,trec,sst5)")
                  .formatted(train.size(), test.size()));
        }
        return new Lists(train, test);
      }
      default ->
          throw new IclabException(
              "--split must be given, random or family, got '%s'".formatted(split));
    }
  }

  private static List<String> needTasks(
      TaskFamilies families,
      String split,
      List<String> tasks,
      List<String> trainTasks,
      List<String> testTasks) {
    if (tasks.isEmpty() || !trainTasks.isEmpty() || !testTasks.isEmpty()) {
      throw new IclabException(
          "--split %s draws from --tasks (and takes no --train-tasks/--test-tasks); e.g. --tasks trec:*,agnews:*"
              .formatted(split));
    }
    return families.expand(tasks);
  }
}
