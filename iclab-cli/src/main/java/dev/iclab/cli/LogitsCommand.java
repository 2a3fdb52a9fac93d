package dev.iclab.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.iclab.lm.LanguageModel;
import dev.iclab.lm.NonFiniteException;
import dev.iclab.lm.arch.ForwardOptions;
import java.io.PrintWriter;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code iclab logits}: the logits at the last position of a prompt. */
@Command(
    name = "logits",
    description =
        "Print the logits at the last position (all of them with --json, else the top 10).")
public final class LogitsCommand extends ModelCommand {
  @Mixin PromptOptions promptOptions;

  @Option(names = "--json", description = "Print {\"ids\": [...], \"last_logits\": [...]}.")
  boolean json;

  @Override
  protected void execute() {
    try (LanguageModel lm = modelOptions.open();
        NDManager scope = lm.model().manager().newSubManager()) {
      int[] ids = promptOptions.ids(lm);
      float[] logits =
          lm.model()
              .forward(
                  scope,
                  scope.create(ids, new Shape(1, ids.length)),
                  ForwardOptions.NONE.lastOnly(true))
              .toFloatArray();
      NonFiniteException.requireFinite(logits, "the last position's logits");
      PrintWriter out = out();
      if (json) {
        var node = Json.object();
        node.set("ids", Json.MAPPER.valueToTree(ids));
        node.set("last_logits", Json.MAPPER.valueToTree(logits));
        Json.print(out, node);
        return;
      }
      out.printf("%d prompt tokens; top 10 next tokens:%n", ids.length);
      IntStream.range(0, logits.length)
          .boxed()
          .sorted((a, b) -> Float.compare(logits[b], logits[a]))
          .limit(10)
          .forEach(
              id ->
                  out.printf(
                      "%8d  %10.4f  %s%n",
                      id,
                      logits[id],
                      lm.tokenizer().map(t -> "'" + t.decode(new int[] {id}) + "'").orElse("")));
      out.flush();
    }
  }
}
