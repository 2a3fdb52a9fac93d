package dev.iclab.experiments.ipt;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/** report.html: the per-task table and a bar plot of relative performance by d_I (inline SVG). */
final class IptReport {
  private IptReport() {}

  static String html(IptConfig config, JsonNode summary) {
    StringBuilder h = new StringBuilder();
    h.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>IPT study</title>")
        .append("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}")
        .append("td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}")
        .append("td:first-child{text-align:left}</style></head><body>")
        .append("<h1>Intrinsic prompt tuning</h1>")
        .append("<p>Model ")
        .append(escape(config.model()))
        .append(", prompt length ")
        .append(config.promptLength())
        .append(", K = ")
        .append(config.shotsPerClass())
        .append(" per class, ")
        .append(config.trainTasks().size())
        .append(" training and ")
        .append(config.testTasks().size())
        .append(" test tasks (split ")
        .append(escape(config.split()))
        .append("). Relative performance = mean over tasks of ")
        .append("IST accuracy / PT accuracy (Qin et al. 2021). The random subspace is IST through")
        .append(" a random decoder of the same shape. Majority = accuracy of always answering")
        .append(" the test split's most frequent label.</p>");
    h.append("<h2>Relative performance by d<sub>I</sub></h2>").append(bars(summary));
    h.append("<h2>Tasks (d<sub>I</sub> = ")
        .append(summary.path("intrinsic_dim").asInt())
        .append(")</h2><table><tr><th>task</th><th>split</th><th>PT</th><th>IST</th>")
        .append("<th>random subspace</th><th>majority</th></tr>");
    for (Iterator<Map.Entry<String, JsonNode>> it = summary.path("tasks").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode t = e.getValue();
      h.append("<tr><td>")
          .append(escape(e.getKey()))
          .append("</td><td>")
          .append(t.path("split").asText())
          .append("</td>")
          .append(cell(t.path("pt").asDouble()))
          .append(cell(t.path("ist").asDouble()))
          .append(cell(t.path("random_subspace").asDouble()))
          .append(cell(t.path("majority").asDouble()))
          .append("</tr>");
    }
    h.append("</table></body></html>\n");
    return h.toString();
  }

  /** Grouped bars: for each d_I, IST and random subspace on train and test tasks. */
  private static String bars(JsonNode summary) {
    JsonNode byDim = summary.path("by_intrinsic_dim");
    int groups = byDim.size();
    int barWidth = 22;
    int groupWidth = 4 * barWidth + 30;
    int width = 60 + groups * groupWidth;
    int height = 240;
    int plot = 180;
    StringBuilder s = new StringBuilder();
    s.append("<svg width=\"")
        .append(width + 220)
        .append("\" height=\"")
        .append(height + 20)
        .append("\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"11\">");
    for (double y = 0; y <= 1.2001; y += 0.2) {
      int py = 10 + (int) Math.round(plot * (1 - y / 1.2));
      s.append("<line x1=\"50\" x2=\"")
          .append(width)
          .append("\" y1=\"")
          .append(py)
          .append("\" y2=\"")
          .append(py)
          .append("\" stroke=\"#ddd\"/>")
          .append("<text x=\"10\" y=\"")
          .append(py + 4)
          .append("\">")
          .append(String.format(Locale.ROOT, "%.1f", y))
          .append("</text>");
    }
    String[] colours = {"#1f77b4", "#aec7e8", "#d62728", "#ff9896"};
    String[] labels = {"IST train", "IST test", "random train", "random test"};
    int g = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = byDim.fields(); it.hasNext(); g++) {
      Map.Entry<String, JsonNode> e = it.next();
      double[] values = {
        e.getValue().path("relative_performance").path("train").asDouble(),
        e.getValue().path("relative_performance").path("test").asDouble(),
        e.getValue().path("random_subspace_relative_performance").path("train").asDouble(),
        e.getValue().path("random_subspace_relative_performance").path("test").asDouble()
      };
      int x0 = 60 + g * groupWidth;
      for (int b = 0; b < 4; b++) {
        double v = Double.isFinite(values[b]) ? Math.min(values[b], 1.2) : 0;
        int bh = (int) Math.round(plot * v / 1.2);
        s.append("<rect x=\"")
            .append(x0 + b * barWidth)
            .append("\" y=\"")
            .append(10 + plot - bh)
            .append("\" width=\"")
            .append(barWidth - 2)
            .append("\" height=\"")
            .append(bh)
            .append("\" fill=\"")
            .append(colours[b])
            .append("\"><title>")
            .append(labels[b])
            .append(String.format(Locale.ROOT, ": %.3f", values[b]))
            .append("</title></rect>");
      }
      s.append("<text x=\"")
          .append(x0 + barWidth)
          .append("\" y=\"")
          .append(plot + 28)
          .append("\">d_I = ")
          .append(escape(e.getKey()))
          .append("</text>");
    }
    for (int b = 0; b < 4; b++) {
      s.append("<rect x=\"")
          .append(width + 20)
          .append("\" y=\"")
          .append(20 + b * 18)
          .append("\" width=\"12\" height=\"12\" fill=\"")
          .append(colours[b])
          .append("\"/>")
          .append("<text x=\"")
          .append(width + 38)
          .append("\" y=\"")
          .append(30 + b * 18)
          .append("\">")
          .append(labels[b])
          .append("</text>");
    }
    return s.append("</svg>").toString();
  }

  private static String cell(double v) {
    return String.format(Locale.ROOT, "<td>%.3f</td>", v);
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
