package dev.iclab.lm.score;

import dev.iclab.IclabException;
import dev.iclab.lm.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Scores text continuations of a text context, tokenized as lm-evaluation-harness does ({@link
 * ContinuationTokens}); each result says whether the tokenizer merged across the boundary.
 */
public final class TextScorer {
  private final Scorer scorer;
  private final Tokenizer tokenizer;

  public TextScorer(Scorer scorer, Tokenizer tokenizer) {
    this.scorer = scorer;
    this.tokenizer = tokenizer;
  }

  /**
   * One candidate's result.
   *
   * @param boundaryMerge whether encode(context + candidate) does not start with encode(context)
   */
  public record Result(String candidate, ContinuationScore score, boolean boundaryMerge) {}

  /**
   * Scores every candidate after the same context; the context is computed once.
   *
   * @throws IclabException for an empty context or a candidate that adds no token
   */
  public List<Result> score(String context, List<String> candidates) {
    if (context.stripTrailing().isEmpty()) {
      throw new IclabException("the context is empty; give a non-empty --context");
    }
    ContinuationTokens tokens = ContinuationTokens.of(tokenizer, context, candidates);
    for (int i = 0; i < candidates.size(); i++) {
      if (tokens.continuations().get(i).length == 0) {
        throw new IclabException(
            "candidate '%s' adds no token after the context; give a non-empty candidate"
                .formatted(candidates.get(i)));
      }
    }
    List<ContinuationScore> scores = scorer.score(tokens.context(), tokens.continuations());
    List<Result> results = new ArrayList<>();
    for (int i = 0; i < candidates.size(); i++) {
      results.add(new Result(candidates.get(i), scores.get(i), tokens.boundaryMerge()[i]));
    }
    return results;
  }
}
