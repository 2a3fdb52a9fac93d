package dev.iclab.icl.run;

import dev.iclab.IclabException;
import dev.iclab.data.Dataset;
import dev.iclab.data.EvaluationSet;
import dev.iclab.data.Example;
import dev.iclab.data.Task;
import dev.iclab.data.TaskRegistry;
import dev.iclab.data.io.DatasetLoader;
import dev.iclab.data.io.TaskFiles;
import dev.iclab.icl.DemoOrder;
import dev.iclab.icl.DemoSelector;
import dev.iclab.icl.LabelMode;
import dev.iclab.icl.Order;
import dev.iclab.icl.Scoring;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a run needs that does not need the model: the task, its data, the queries and the list
 * of groups to evaluate. Building it checks every flag against the data, so bad input fails before
 * anything is written.
 *
 * @param queries the evaluation set shuffled with {@code Random(evalShuffleSeed)}, capped, limited
 * @param groups one entry per (shots, seed, select, order, labels[, permutation])
 */
public record ExperimentPlan(
    EvalConfig config,
    Task task,
    Dataset train,
    Dataset eval,
    List<Example> queries,
    Map<String, DemoSelector> selectors,
    List<Group> groups) {

  /**
   * One set of demonstrations choices, evaluated on every query.
   *
   * @param permutation for {@code --order permutations} (and the kept GlobalE/LocalE orders): the
   *     order of the selected demos, else null
   */
  public record Group(
      int shots, long seed, String select, Order order, String labels, int[] permutation) {
    /** The setting's name without scoring and calibration. */
    public String name() {
      String base =
          "shots=%d seed=%d select=%s order=%s labels=%s"
              .formatted(shots, seed, select, order, labels);
      if (permutation == null) {
        return base;
      }
      StringBuilder p = new StringBuilder(" perm=");
      for (int i = 0; i < permutation.length; i++) {
        p.append(i == 0 ? "" : ",").append(permutation[i]);
      }
      return base + p;
    }

    public Group withPermutation(int[] newPermutation) {
      return new Group(shots, seed, select, order, labels, newPermutation);
    }
  }

  /** The same plan evaluated on {@code newQueries} (a subset of the queries, in their order). */
  public ExperimentPlan withQueries(List<Example> newQueries) {
    return new ExperimentPlan(config, task, train, eval, newQueries, selectors, groups);
  }

  public static ExperimentPlan of(EvalConfig config) {
    Task task =
        config.taskFile() != null
            ? TaskFiles.read(Path.of(config.taskFile()))
            : TaskRegistry.builtIn().get(config.task());
    DatasetLoader.Splits splits =
        new DatasetLoader(Path.of(config.dataDir()), config.skipBadRows()).load(task);
    List<Example> queries =
        EvaluationSet.of(
            task, splits.eval(), config.evalCap(), config.limit(), config.evalShuffleSeed());
    config.scoring().forEach(Scoring::parse);
    config.labels().forEach(LabelMode::parse);
    Map<String, DemoSelector> selectors = new LinkedHashMap<>();
    for (String s : config.select()) {
      selectors.put(s, DemoSelector.parse(s, splits.train()));
    }
    List<Group> groups = new ArrayList<>();
    for (int k : config.shots()) {
      if (k == 0) {
        groups.add(new Group(0, config.seeds().get(0), "-", Order.NONE, "-", null));
        continue;
      }
      if (k > splits.train().size()) {
        throw new IclabException(
            "--shots %d exceeds the training pool of %d examples in %s; use --shots %d or fewer"
                .formatted(
                    k, splits.train().size(), splits.train().source(), splits.train().size()));
      }
      for (long seed : config.seeds()) {
        for (String select : config.select()) {
          // Fail now, not mid-run, for k beyond a fixed list.
          if (selectors.get(select).shared()) {
            selectors.get(select).select(null, k, seed);
          }
          for (Order order : config.order()) {
            for (String labels : config.labels()) {
              if (order.ranksByEntropy() && !selectors.get(select).shared()) {
                throw new IclabException(
                    "--order %s ranks orders of one shared set of demonstrations; use --select random, balanced or fixed with it"
                        .formatted(order));
              }
              if (order == Order.PERMUTATIONS) {
                for (int[] p : DemoOrder.permutations(k)) {
                  groups.add(new Group(k, seed, select, order, labels, p));
                }
              } else {
                groups.add(new Group(k, seed, select, order, labels, null));
              }
            }
          }
        }
      }
    }
    return new ExperimentPlan(
        config, task, splits.train(), splits.eval(), queries, selectors, groups);
  }
}
