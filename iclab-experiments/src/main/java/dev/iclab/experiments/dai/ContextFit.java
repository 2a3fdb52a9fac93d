package dev.iclab.experiments.dai;

import dev.iclab.IclabException;
import dev.iclab.analysis.RecordedPosition;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Which queries of Dai et al.'s comparison fit the model's context window with their ICL prompt.
 */
final class ContextFit {
  private ContextFit() {}

  /**
   * Leaves out the queries whose ICL prompt would not fit the context window (noted in {@code
   * notes}); refuses the run when that is more than half of them, saying how many shots would fit
   * every query.
   *
   * @param queryIds each query's tokens
   * @param iclPrefixIds the ICL prefix (instruction and every demonstration)
   * @param prefixOfShots the ICL prefix with only the first k demonstrations
   * @return the indices of the queries that fit, in order
   */
  static List<Integer> fitting(
      int context,
      List<int[]> labelTokens,
      RecordedPosition position,
      List<int[]> queryIds,
      int[] iclPrefixIds,
      int shots,
      IntFunction<int[]> prefixOfShots,
      List<String> notes) {
    int longestLabel = labelTokens.stream().mapToInt(t -> t.length).max().orElse(1);
    int appended = position.appended(labelTokens, 0).length;
    int extra = Math.max(longestLabel - 1, appended);
    List<Integer> fitting = new ArrayList<>();
    int longest = 0;
    for (int i = 0; i < queryIds.size(); i++) {
      int needed = queryIds.get(i).length + extra;
      longest = Math.max(longest, needed);
      if (iclPrefixIds.length + needed <= context) {
        fitting.add(i);
      }
    }
    if (fitting.size() * 2 >= queryIds.size()) {
      if (fitting.size() < queryIds.size()) {
        notes.add(
            "%d of %d queries left out: with %d demonstrations (%d tokens) their ICL prompt exceeds the context window of %d"
                .formatted(
                    queryIds.size() - fitting.size(),
                    queryIds.size(),
                    shots,
                    iclPrefixIds.length,
                    context));
      }
      return fitting;
    }
    int fits = 0;
    for (int k = shots - 1; k >= 1; k--) {
      if (prefixOfShots.apply(k).length + longest <= context) {
        fits = k;
        break;
      }
    }
    throw new IclabException(
        "--shots %d does not fit: the demonstrations take %d tokens and %d of %d queries (with their answers) no longer fit the model's context window of %d; %s"
            .formatted(
                shots,
                iclPrefixIds.length,
                queryIds.size() - fitting.size(),
                queryIds.size(),
                context,
                fits > 0
                    ? "use --shots %d or fewer (fits every query)".formatted(fits)
                    : "use fewer --shots, or a model with a longer context"));
  }
}
