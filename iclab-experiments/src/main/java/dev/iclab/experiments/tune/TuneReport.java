package dev.iclab.experiments.tune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.AtomicFiles;
import dev.iclab.IclabException;
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
    List<String> pngs = new ArrayList<>();
    if (!steps.isEmpty()) {
      XYChart loss = Plots.chart(720, 420, method + ": training loss", "step", "loss (nats)");
      Plots.addLine(loss, "training loss", steps, "step", "loss", SeriesMarkers.NONE);
      Plots.writePng(dir.resolve(LOSS_PNG), loss);
      pngs.add(LOSS_PNG);
      body.append("<h2>Training loss</h2>\n")
          .append(
              String.format(
                  Locale.ROOT,
                  "<p>Mean loss of each step's batch: %.4f at step %d, %.4f at step %d.</p>\n",
                  steps.get(0).get("loss").asDouble(),
                  steps.get(0).get("step").asInt(),
                  steps.get(steps.size() - 1).get("loss").asDouble(),
                  steps.get(steps.size() - 1).get("step").asInt()))
          .append(Html.image(LOSS_PNG, "training loss per step"));
    }
    if (!evals.isEmpty()) {
      XYChart dev =
          Plots.chart(720, 420, method + ": zero-shot dev accuracy", "step", "accuracy (%)");
      List<JsonNode> percent =
          evals.stream()
              .map(
                  l ->
                      (JsonNode)
                          JSON.createObjectNode()
                              .put("step", l.get("step").asInt())
                              .put("percent", 100 * l.get("dev_accuracy").asDouble()))
              .toList();
      Plots.addLine(dev, "dev accuracy", percent, "step", "percent", SeriesMarkers.CIRCLE);
      Plots.writePng(dir.resolve(DEV_PNG), dev);
      pngs.add(DEV_PNG);
      body.append("<h2>Dev accuracy</h2>\n")
          .append(
              String.format(
                  Locale.ROOT,
                  "<p>Zero-shot accuracy on %d dev queries: %.1f%% at step %d, %.1f%% at step %d (step 0 is before training).</p>\n",
                  summary.path("dev_queries").asInt(),
                  100 * evals.get(0).get("dev_accuracy").asDouble(),
                  evals.get(0).get("step").asInt(),
                  100 * evals.get(evals.size() - 1).get("dev_accuracy").asDouble(),
                  evals.get(evals.size() - 1).get("step").asInt()))
          .append(Html.image(DEV_PNG, "dev accuracy per evaluation"));
    }
    body.append(
        "<p>Every step is in <code>metrics.jsonl</code>, the totals in <code>tune_summary.json</code>, the settings in <code>run.json</code>.</p>\n");
    AtomicFiles.writeString(dir.resolve(HTML), Html.page("iclab tune: " + method, body.toString()));
    return pngs;
  }
}
