package dev.iclab.icl.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Accuracy and macro-F1 per setting, from samples.jsonl. A row is a (shots, select, order, labels,
 * scoring, calibrate) setting; its runs are its seeds (and, for permutations, its orders): mean
 * &plusmn; sample std over runs, and min / median / max accuracy across them.
 */
public final class Summary {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Summary() {}

  /** One row of the table. */
  public record Row(
      String setting,
      int runs,
      int examples,
      double accuracyMean,
      double accuracyStd,
      double macroF1Mean,
      double macroF1Std,
      double accuracyMin,
      double accuracyMedian,
      double accuracyMax) {}

  /**
   * A setting of the run, one row of the summary: shots, then the demonstrations' selection, order
   * and label variant ("-" at zero shots), scoring and calibration, as samples.jsonl writes them.
   */
  public record Setting(
      int shots, String select, String order, String labels, String scoring, String calibrate) {
    /** The row's name in summary.json and summary.md. */
    public String key() {
      return "shots=%d select=%s order=%s labels=%s scoring=%s calibrate=%s"
          .formatted(shots, select, order, labels, scoring, calibrate);
    }
  }

  /**
   * One run of a setting: a seed and, for {@code --order permutations}, one order.
   *
   * <p>{@code seed} and {@code perm} (the permutation, "" without one) as samples.jsonl writes
   * them; {@code gold} and {@code predicted} are its queries' label indices in the file's order.
   */
  public record Run(Setting setting, String seed, String perm, int[] gold, int[] predicted) {
    public double accuracy() {
      return Metrics.accuracy(gold, predicted);
    }
  }

  /** The runs of samples.jsonl, in the order each first appears. */
  public static List<Run> runs(Path samplesFile, List<String> labelWords) {
    Map<List<Object>, List<int[]>> byRun = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(samplesFile, StandardCharsets.UTF_8)) {
        if (line.isEmpty()) {
          continue;
        }
        JsonNode s = JSON.readTree(line);
        Setting setting =
            new Setting(
                s.get("shots").asInt(),
                s.get("select").asText(),
                s.get("order").asText(),
                s.get("labels").asText(),
                s.get("scoring").asText(),
                s.get("calibrate").asText());
        byRun
            .computeIfAbsent(
                List.of(setting, s.get("seed").asText(), s.path("perm").toString()),
                r -> new ArrayList<>())
            .add(
                new int[] {
                  labelWords.indexOf(s.get("gold").asText()),
                  labelWords.indexOf(s.get("prediction").asText())
                });
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Run> runs = new ArrayList<>();
    byRun.forEach(
        (key, pairs) ->
            runs.add(
                new Run(
                    (Setting) key.get(0),
                    (String) key.get(1),
                    (String) key.get(2),
                    pairs.stream().mapToInt(p -> p[0]).toArray(),
                    pairs.stream().mapToInt(p -> p[1]).toArray())));
    return runs;
  }

  public static List<Row> rows(Path samplesFile, List<String> labelWords) {
    Map<String, List<Run>> byRow = new LinkedHashMap<>();
    for (Run run : runs(samplesFile, labelWords)) {
      byRow.computeIfAbsent(run.setting().key(), r -> new ArrayList<>()).add(run);
    }
    List<Row> rows = new ArrayList<>();
    for (Map.Entry<String, List<Run>> row : byRow.entrySet()) {
      List<Double> accuracies = new ArrayList<>();
      List<Double> f1s = new ArrayList<>();
      int examples = 0;
      for (Run run : row.getValue()) {
        accuracies.add(run.accuracy());
        f1s.add(Metrics.macroF1(run.gold(), run.predicted(), labelWords.size()));
        examples = Math.max(examples, run.gold().length);
      }
      rows.add(
          new Row(
              row.getKey(),
              accuracies.size(),
              examples,
              Metrics.mean(accuracies),
              Metrics.std(accuracies),
              Metrics.mean(f1s),
              Metrics.std(f1s),
              Metrics.min(accuracies),
              Metrics.median(accuracies),
              Metrics.max(accuracies)));
    }
    return rows;
  }

  public static String json(String task, List<Row> rows) {
    ObjectNode root = JSON.createObjectNode();
    root.put("task", task);
    ArrayNode array = root.putArray("rows");
    for (Row r : rows) {
      ObjectNode node = array.addObject();
      node.put("setting", r.setting());
      node.put("runs", r.runs());
      node.put("examples", r.examples());
      node.put("accuracy_mean", r.accuracyMean());
      node.put("accuracy_std", r.accuracyStd());
      node.put("macro_f1_mean", r.macroF1Mean());
      node.put("macro_f1_std", r.macroF1Std());
      node.put("accuracy_min", r.accuracyMin());
      node.put("accuracy_median", r.accuracyMedian());
      node.put("accuracy_max", r.accuracyMax());
    }
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A Markdown table (percentages, mean &plusmn; std over runs). */
  public static String table(String task, List<Row> rows) {
    StringBuilder md = new StringBuilder();
    md.append("# ").append(task).append("\n\n");
    md.append("| setting | runs | n | accuracy | macro-F1 | acc min / median / max |\n");
    md.append("|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %d | %.1f ± %.1f | %.1f ± %.1f | %.1f / %.1f / %.1f |%n",
              r.setting(),
              r.runs(),
              r.examples(),
              100 * r.accuracyMean(),
              100 * r.accuracyStd(),
              100 * r.macroF1Mean(),
              100 * r.macroF1Std(),
              100 * r.accuracyMin(),
              100 * r.accuracyMedian(),
              100 * r.accuracyMax()));
    }
    return md.toString();
  }
}
