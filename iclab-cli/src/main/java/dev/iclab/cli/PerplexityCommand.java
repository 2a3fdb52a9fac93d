package dev.iclab.cli;

import dev.iclab.IclabException;
import dev.iclab.lm.LanguageModel;
import dev.iclab.lm.score.Perplexity;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code iclab perplexity}: sliding-window perplexity of a text file. */
@Command(
    name = "perplexity",
    description =
        "Sliding-window perplexity of a UTF-8 text file, as in Hugging Face's perplexity guide:"
            + " windows of --max-length tokens advanced by --stride, overlap used as context only.")
public final class PerplexityCommand extends ModelCommand {

  @Option(names = "--data", required = true, paramLabel = "FILE", description = "UTF-8 text file.")
  Path data;

  @Option(
      names = "--max-length",
      paramLabel = "L",
      description = "Window length (default: the context window).")
  Integer maxLength;

  @Option(
      names = "--stride",
      paramLabel = "S",
      description = "Window step (default: half the window).")
  Integer stride;

  @Option(names = "--json", description = "Print {\"ppl\", \"tokens\", ...}.")
  boolean json;

  @Override
  protected void execute() {
    String text;
    try {
      text = Files.readString(data);
    } catch (NoSuchFileException e) {
      throw new IclabException("--data file %s does not exist".formatted(data));
    } catch (MalformedInputException e) {
      throw new IclabException(
          "--data file %s is not UTF-8 text; convert it first".formatted(data));
    } catch (IOException e) {
      throw new IclabException("cannot read %s: %s".formatted(data, e.getMessage()), e);
    }
    try (LanguageModel lm = modelOptions.open()) {
      int context = lm.model().config().contextLength();
      int window = maxLength == null ? context : maxLength;
      if (window > context) {
        throw new IclabException(
            "--max-length %d exceeds the model's context window of %d; use --max-length %d or less"
                .formatted(window, context, context));
      }
      int step = stride == null ? Math.max(1, window / 2) : stride;
      if (window < 2 || step < 1 || step > window) {
        throw new IclabException(
            "need --max-length >= 2 and 1 <= --stride <= --max-length, got %d and %d"
                .formatted(window, step));
      }
      int[] ids = lm.requireTokenizer().encode(text);
      if (ids.length < 2) {
        throw new IclabException("%s has fewer than 2 tokens; nothing to predict".formatted(data));
      }
      Perplexity.Result result;
      try (ProgressBar bar = ProgressBars.onStderr("perplexity", ids.length, " tok")) {
        result = Perplexity.compute(lm.model(), ids, window, step, bar::stepTo);
      }
      var out = out();
      if (json) {
        var node = Json.object();
        node.put("ppl", result.perplexity());
        node.put("tokens", result.tokens());
        node.put("nll", result.nll());
        node.put("windows", result.windows());
        node.put("max_length", window);
        node.put("stride", step);
        Json.print(out, node);
      } else {
        out.printf(
            "perplexity %.4f over %,d tokens (%d windows of %d, stride %d)%n",
            result.perplexity(), result.tokens(), result.windows(), window, step);
        out.flush();
      }
    }
  }
}
