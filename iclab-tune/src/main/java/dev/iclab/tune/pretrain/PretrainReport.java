package dev.iclab.tune.pretrain;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iclab.AtomicFiles;
import dev.iclab.report.Html;
import dev.iclab.report.Plots;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** loss.png (training and validation loss against step) and report.html of a pre-training run. */
final class PretrainReport {
  static final String PNG = "loss.png";
  static final String HTML = "report.html";

  private PretrainReport() {}

  static void write(Path dir, PretrainConfig config, List<JsonNode> metrics) {
    List<JsonNode> steps = metrics.stream().filter(m -> m.has("loss")).toList();
    List<JsonNode> evals = metrics.stream().filter(m -> m.has("valid_loss")).toList();
    plot(dir.resolve(PNG), config, steps, evals);
    StringBuilder html = new StringBuilder();
    html.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>iclab pretrain</title>")
        .append("<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}")
        .append("td,th{padding:.2em .8em;text-align:right}</style></head><body>\n")
        .append(
            "<h1>Pre-training: %s, %s attention</h1>\n"
                .formatted(config.arch(), config.attention()))
        .append(
            "<p>%d layers, hidden %d, %d heads, context %d; %d steps of batch %d; AdamW lr %s"
                    .formatted(
                        config.layers(),
                        config.hidden(),
                        config.heads(),
                        config.context(),
                        config.steps(),
                        config.batchSize(),
                        config.lr())
                + " with %d warm-up steps then cosine decay; seed %d; data %s.</p>\n"
                    .formatted(
                        config.warmupSteps(), config.seed(), Html.escape(config.data().toString())))
        .append("<img src=\"" + PNG + "\" alt=\"loss curves\">\n");
    if (!evals.isEmpty()) {
      html.append(
          "<h2>Validation (%s)</h2>\n<table><tr><th>step</th><th>loss</th><th>perplexity</th></tr>\n"
              .formatted(Html.escape(String.valueOf(config.valid()))));
      for (JsonNode e : evals) {
        html.append(
            "<tr><td>%d</td><td>%.4f</td><td>%.2f</td></tr>\n"
                .formatted(
                    e.get("step").asInt(),
                    e.get("valid_loss").asDouble(),
                    e.get("valid_perplexity").asDouble()));
      }
      html.append("</table>\n");
    }
    if (!steps.isEmpty()) {
      JsonNode last = steps.get(steps.size() - 1);
      html.append(
          "<p>Training loss %.4f at step 1, %.4f at step %d; %,d tokens at %.0f tokens/s.</p>\n"
              .formatted(
                  steps.get(0).get("loss").asDouble(),
                  last.get("loss").asDouble(),
                  last.get("step").asInt(),
                  last.get("tokens").asLong(),
                  last.get("tokens_per_s").asDouble()));
    }
    html.append(
            "<p>Every step is in <code>metrics.jsonl</code>; the flags in <code>run.json</code>.</p>\n")
        .append("</body></html>\n");
    AtomicFiles.writeString(dir.resolve(HTML), html.toString());
  }

  private static void plot(
      Path png, PretrainConfig config, List<JsonNode> steps, List<JsonNode> evals) {
    XYChart chart =
        Plots.chart(
            720,
            420,
            "%s, %s attention".formatted(config.arch(), config.attention()),
            "training step",
            "loss (nats per token)");
    Plots.addLine(chart, "train", steps, "step", "loss", SeriesMarkers.NONE);
    Plots.addLine(chart, "valid", evals, "step", "valid_loss", SeriesMarkers.CIRCLE);
    Plots.writePng(png, chart);
  }
}
