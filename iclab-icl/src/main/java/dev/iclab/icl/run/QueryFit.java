package dev.iclab.icl.run;

import dev.iclab.IclabException;
import dev.iclab.data.Example;
import dev.iclab.icl.Prompt;
import dev.iclab.icl.PromptBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Over-long queries, by the rule dai uses: a query whose prompt cannot fit the context window even
 * without demonstrations is left out before anything is written, counted and noted; more than half
 * of them left out refuses the run, since what remains would no longer stand for the task.
 *
 * @param plan the plan with only the queries that fit
 * @param leftOut ids of the queries left out, in evaluation order
 */
public record QueryFit(ExperimentPlan plan, List<String> leftOut) {
  public QueryFit {
    leftOut = List.copyOf(leftOut);
  }

  /**
   * @throws IclabException when more than half of the queries do not fit
   */
  public static QueryFit of(ExperimentPlan plan, PromptBuilder builder, int contextLength) {
    List<Example> kept = new ArrayList<>();
    List<String> leftOut = new ArrayList<>();
    for (Example query : plan.queries()) {
      Prompt alone =
          new Prompt(
              plan.task().instruction(),
              List.of(),
              query,
              plan.task().template(),
              plan.task().labelWords());
      if (builder.queryFits(alone)) {
        kept.add(query);
      } else {
        leftOut.add(query.id());
      }
    }
    if (leftOut.size() * 2 > plan.queries().size()) {
      throw new IclabException(
          "%d of %d queries of task %s do not fit the model's context window of %d tokens even without demonstrations (e.g. id %s); use a model with a longer context or shorter inputs"
              .formatted(
                  leftOut.size(),
                  plan.queries().size(),
                  plan.task().name(),
                  contextLength,
                  leftOut.get(0)));
    }
    return new QueryFit(plan.withQueries(kept), leftOut);
  }

  /** The note for the summary, when any query was left out. */
  public Optional<String> note() {
    if (leftOut.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        "%d of %d queries left out: even without demonstrations their prompt exceeds the context window (ids %s)"
            .formatted(
                leftOut.size(),
                leftOut.size() + plan.queries().size(),
                leftOut.size() <= 5
                    ? String.join(", ", leftOut)
                    : String.join(", ", leftOut.subList(0, 5)) + ", ..."));
  }
}
