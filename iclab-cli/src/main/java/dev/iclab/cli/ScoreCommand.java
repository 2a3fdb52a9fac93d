package dev.iclab.cli;

import dev.iclab.lm.LanguageModel;
import dev.iclab.lm.score.Scorer;
import dev.iclab.lm.score.TextScorer;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code iclab score}: log-likelihood of each candidate continuation after a context. */
@Command(
    name = "score",
    description =
        "Score candidate continuations of a context by log-likelihood, tokenized as"
            + " lm-evaluation-harness does; the context is computed once for all candidates.")
public final class ScoreCommand extends ModelCommand {

  @Option(names = "--context", required = true, paramLabel = "TEXT", description = "The context.")
  String context;

  @Option(
      names = "--candidates",
      required = true,
      arity = "1..*",
      paramLabel = "TEXT",
      description = "Candidate continuations, e.g. \" Negative\" \" Positive\".")
  List<String> candidates;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  protected void execute() {
    try (LanguageModel lm = modelOptions.open()) {
      TextScorer scorer = new TextScorer(new Scorer(lm.model()), lm.requireTokenizer());
      List<TextScorer.Result> results = scorer.score(context, candidates);
      PrintWriter out = out();
      if (json) {
        var node = Json.object();
        var array = node.putArray("candidates");
        for (TextScorer.Result r : results) {
          var c = array.addObject();
          c.put("candidate", r.candidate());
          c.set("tokens", Json.MAPPER.valueToTree(r.score().tokens()));
          c.put("n_tokens", r.score().tokens().length);
          c.put("sum_logprob", r.score().sum());
          c.put("mean_logprob", r.score().mean());
          c.put("boundary_merge", r.boundaryMerge());
        }
        Json.print(out, node);
        return;
      }
      out.printf("%-24s %8s %12s %12s%n", "candidate", "tokens", "sum logprob", "mean");
      for (TextScorer.Result r : results) {
        out.printf(
            "%-24s %8d %12.4f %12.4f%s%n",
            "'" + r.candidate() + "'",
            r.score().tokens().length,
            r.score().sum(),
            r.score().mean(),
            r.boundaryMerge() ? "  (tokenizer merges across the boundary)" : "");
      }
      out.flush();
    }
  }
}
