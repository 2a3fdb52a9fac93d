package dev.iclab.emergence.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.AtomicFiles;
import dev.iclab.emergence.RunSpec;
import dev.iclab.emergence.eval.Accuracies;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The HTML report of a set of runs (a sweep, or the quickstart's three): ICL, IWL and 0-shot IWL
 * curves with one line per run and chance drawn, and a table of the final values.
 */
public final class SweepReport {
  private SweepReport() {}

  /** One finished (or stopped) run for the report. */
  public record Entry(RunSpec spec, Path folder, List<Metrics> metrics, double wallSeconds) {
    public Metrics last() {
      return metrics.isEmpty() ? null : metrics.get(metrics.size() - 1);
    }
  }

  /** Writes icl.png, iwl.png, iwl_zero_shot.png and report.html into {@code folder}. */
  public static Path write(Path folder, String title, List<Entry> entries) {
    Map<String, List<Metrics>> curves = new LinkedHashMap<>();
    // One dashed IWL chance line only when every run shares it (a sweep over --labels does not);
    // the table gives each run's own.
    java.util.Set<Double> chances = new java.util.TreeSet<>();
    for (Entry e : entries) {
      curves.put(e.spec().name(), e.metrics());
      if (e.last() != null) {
        chances.add(e.last().iwlChance());
      }
    }
    double iwlChance = chances.size() == 1 ? chances.iterator().next() : Double.NaN;
    Curves.write(
        folder.resolve("icl.png"),
        "ICL: 2-way few-shot accuracy on holdout classes",
        curves,
        Metrics::iclAcc,
        Accuracies.ICL_CHANCE);
    Curves.write(
        folder.resolve("iwl.png"),
        "IWL: accuracy on training classes (context without the class)",
        curves,
        Metrics::iwlAcc,
        iwlChance);
    Curves.write(
        folder.resolve("iwl_zero_shot.png"),
        "0-shot IWL: accuracy on training classes with a blank context",
        curves,
        Metrics::iwlZeroShotAcc,
        iwlChance);
    StringBuilder html = new StringBuilder();
    html.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>")
        .append(escape(title))
        .append("</title><style>body{font-family:sans-serif;margin:2em}")
        .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;")
        .append("text-align:right}th{background:#eee}</style></head><body><h1>")
        .append(escape(title))
        .append("</h1><p>ICL chance 0.5 (2-way); IWL chance ")
        .append(
            Double.isNaN(iwlChance) ? "per run, in the table (no IWL chance line)" : fmt(iwlChance))
        .append(". Dashed grey lines mark chance.</p>")
        .append("<img src=\"icl.png\"><img src=\"iwl.png\"><img src=\"iwl_zero_shot.png\">")
        .append("<h2>Final values</h2><table><tr><th>run</th><th>arch</th><th>format</th>")
        .append("<th>p_bursty</th><th>classes</th><th>zipf</th><th>steps</th><th>loss</th>")
        .append(
            "<th>ICL</th><th>IWL</th><th>0-shot IWL</th><th>IWL chance</th><th>wall s</th></tr>");
    for (Entry e : entries) {
      Metrics m = e.last();
      RunSpec s = e.spec();
      html.append("<tr><td><a href=\"")
          .append(
              escape(folder.toAbsolutePath().relativize(e.folder().toAbsolutePath()).toString()))
          .append("/run.json\">")
          .append(escape(s.name()))
          .append("</a></td><td>")
          .append(s.arch().flag())
          .append("</td><td>")
          .append(s.format().name().toLowerCase(Locale.ROOT))
          .append("</td><td>")
          .append(fmt(s.data().pBursty()))
          .append("</td><td>")
          .append(s.data().classes())
          .append("</td><td>")
          .append(fmt(s.data().zipfExponent()))
          .append("</td><td>")
          .append(m == null ? "-" : m.step())
          .append("</td><td>")
          .append(m == null ? "-" : fmt(m.loss()))
          .append("</td><td>")
          .append(m == null ? "-" : fmt(m.iclAcc()))
          .append("</td><td>")
          .append(m == null ? "-" : fmt(m.iwlAcc()))
          .append("</td><td>")
          .append(m == null ? "-" : fmt(m.iwlZeroShotAcc()))
          .append("</td><td>")
          .append(m == null ? "-" : fmt(m.iwlChance()))
          .append("</td><td>")
          .append(fmt(e.wallSeconds()))
          .append("</td></tr>");
    }
    html.append("</table></body></html>\n");
    Path report = folder.resolve("report.html");
    AtomicFiles.writeString(report, html.toString());
    return report;
  }

  /** A JSON-friendly copy of a spec (for run.json and summaries). */
  public static Map<String, Object> describe(RunSpec spec) {
    @SuppressWarnings("unchecked")
    Map<String, Object> map = new ObjectMapper().convertValue(spec, Map.class);
    return map;
  }

  private static String fmt(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
