package dev.iclab.icl.run;

import dev.iclab.data.Example;
import dev.iclab.icl.Demo;
import dev.iclab.icl.DemoOrder;
import dev.iclab.icl.DemoSelector;
import dev.iclab.icl.LabelMode;
import dev.iclab.icl.embed.EmbeddingCache;
import dev.iclab.icl.embed.MiniLmEncoder;
import dev.iclab.icl.embed.PoolEmbeddings;
import java.util.List;

/** A group's demonstrations: select, then corrupt labels, then order. */
final class GroupDemos {
  private final ExperimentPlan plan;
  private PoolEmbeddings similarityIndex;

  GroupDemos(ExperimentPlan plan) {
    this.plan = plan;
  }

  /** Every random choice is seeded by the group's seed; {@code query} is null when shared. */
  List<Demo> of(ExperimentPlan.Group group, DemoSelector selector, Example query) {
    if (group.shots() == 0) {
      return List.of();
    }
    List<Example> chosen = selector.select(query, group.shots(), group.seed());
    List<Demo> demos =
        LabelMode.parse(group.labels()).apply(chosen, plan.task().numLabels(), group.seed());
    return switch (group.order()) {
      case NONE, GIVEN -> demos;
      case RANDOM -> DemoOrder.shuffled(demos, group.seed());
      case PERMUTATIONS, GLOBALE, LOCALE ->
          group.permutation() == null ? demos : DemoOrder.apply(demos, group.permutation());
      case SIMILARITY -> DemoOrder.mostSimilarLast(query, demos, similarityIndex());
    };
  }

  /** The training pool's all-MiniLM-L6-v2 embeddings, loaded on first use. */
  private PoolEmbeddings similarityIndex() {
    if (similarityIndex == null) {
      // Reuse a kNN selector's embeddings of the same pool when the run has one.
      similarityIndex =
          plan.selectors().values().stream()
              .filter(s -> s instanceof DemoSelector.KnnSelector)
              .map(s -> ((DemoSelector.KnnSelector) s).embeddings())
              .findFirst()
              .orElseGet(
                  () ->
                      new PoolEmbeddings(
                          plan.train(), new MiniLmEncoder(), EmbeddingCache.standard()));
    }
    return similarityIndex;
  }
}
