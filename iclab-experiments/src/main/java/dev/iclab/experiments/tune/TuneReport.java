package dev.iclab.experiments.tune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.AtomicFiles;
import dev.iclab.IclabException;
import dev.iclab.report.Figures;
import dev.iclab.report.Html;
import dev.iclab.report.Plots;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * report.html of an {@code iclab tune} run: the training loss per step (loss.png) and, with {@code
 * --eval-every}, the dev accuracy per evaluation, step 0 being before training (dev_accuracy.png);
 * drawn from the run's metrics.jsonl lines and its summary.
 */
final class TuneReport {
  static final String HTML = "report.html";
  static final String LOSS_PNG = "loss.png";
  static final String DEV_PNG = "dev_accuracy.png";
  private static final ObjectMapper JSON = new ObjectMapper();

  private TuneReport() {}

  /**
   * Writes the plots and report.html into {@code dir}.
   *
   * @param metrics the lines of metrics.jsonl
   * @return the PNG files written
   */
  static List<String> write(Path dir, List<String> metrics, JsonNode summary) {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : metrics) {
      try {
        lines.add(JSON.readTree(line));
      } catch (IOException e) {
        throw new IclabException("cannot read a metrics line for the report: " + line, e);
      }
    }
    List<JsonNode> steps = lines.stream().filter(l -> l.has("loss")).toList();
    List<JsonNode> evals = lines.stream().filter(l -> l.has("dev_accuracy")).toList();
    String method = summary.path("method").asText();
    StringBuilder body = new StringBuilder();
    body.append(
        "<p>%s on %s: %d steps over %d examples, %s trainable parameters.</p>\n"
            .formatted(
                Html.escape(method),
                Html.escape(summary.path("model").asText()),
                summary.path("steps").asInt(),
                summary.path("examples").asInt(),
                String.format(Locale.ROOT, "%,d", summary.path("trainable_parameters").asLong())));
    Figures figures = new Figures(dir);
    figures.add(
        !steps.isEmpty(),
        LOSS_PNG,
        () -> line(method + ": training loss", "loss (nats)", "training loss", steps, "loss", 1),
        "Training loss",
        "Mean loss of each step's batch: " + firstAndLast(steps, "loss", 1, "%.4f") + ".");
    figures.add(
        !evals.isEmpty(),
        DEV_PNG,
        () ->
            line(
                method + ": zero-shot dev accuracy",
                "accuracy (%)",
                "dev accuracy",
                evals,
                "dev_accuracy",
                100),
        "Dev accuracy",
        "Zero-shot accuracy on %d dev queries: %s (step 0 is before training)."
            .formatted(
                summary.path("dev_queries").asInt(),
                firstAndLast(evals, "dev_accuracy", 100, "%.1f%%")));
    body.append(figures.html());
    body.append(
        "<p>Every step is in <code>metrics.jsonl</code>, the totals in <code>tune_summary.json</code>, the settings in <code>run.json</code>.</p>\n");
    AtomicFiles.writeString(dir.resolve(HTML), Html.page("iclab tune: " + method, body.toString()));
    return figures.written();
  }

  /** A line of {@code scale} times {@code key} against the step. */
  private static XYChart line(
      String title,
      String yAxisTitle,
      String name,
      List<JsonNode> lines,
      String key,
      double scale) {
    XYChart chart = Plots.chart(720, 420, title, "step", yAxisTitle);
    List<JsonNode> points =
        lines.stream()
            .map(
                l ->
                    (JsonNode)
                        JSON.createObjectNode()
                            .put("step", l.get("step").asInt())
                            .put("y", scale * l.get(key).asDouble()))
            .toList();
    Plots.addLine(
        chart,
        name,
        points,
        "step",
        "y",
        points.size() > 50 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
    return chart;
  }

  /**
   * "V at step S, V at step S" of the first and last line, V being {@code scale} times key; "" for
   * no lines.
   */
  private static String firstAndLast(
      List<JsonNode> lines, String key, double scale, String format) {
    if (lines.isEmpty()) {
      return "";
    }
    JsonNode first = lines.get(0);
    JsonNode last = lines.get(lines.size() - 1);
    return String.format(
        Locale.ROOT,
        format + " at step %d, " + format + " at step %d",
        scale * first.get(key).asDouble(),
        first.get("step").asInt(),
        scale * last.get(key).asDouble(),
        last.get("step").asInt());
  }
}
