package dev.iclab.analysis;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.IclabException;
import dev.iclab.analysis.metrics.LayerMeans;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a finished run reports: per variant (pretrained, untrained) the metrics on all
 * examples and on F2T, the fine-tuning losses, and the run's search, notes and timings.
 */
public record DaiOutcome(
    DaiConfig config,
    String taskName,
    int layers,
    int queries,
    int leftOut,
    double ftLr,
    List<LrTrial> lrSearch,
    Map<String, Variant> variants,
    List<String> notes,
    Map<String, Double> seconds) {

  /** One model's numbers. */
  public record Variant(DaiMetrics all, DaiMetrics f2t, List<Double> ftLosses) {
    /** The subset the report leads with. */
    public DaiMetrics subset(String name) {
      return name.equals("f2t") ? f2t : all;
    }
  }

  /** Reads samples.jsonl and computes each variant's metrics from its lines. */
  public static Map<String, Variant> variants(
      Path samples, int layers, Map<String, List<Double>> losses) {
    Map<String, List<SampleLine>> byVariant = new LinkedHashMap<>();
    ObjectMapper json = new ObjectMapper();
    try {
      for (String text : Files.readAllLines(samples)) {
        if (!text.isBlank()) {
          SampleLine line = SampleLine.fromJson(json.readTree(text));
          byVariant.computeIfAbsent(line.variant(), v -> new ArrayList<>()).add(line);
        }
      }
    } catch (IOException e) {
      throw new IclabException("cannot read %s: %s".formatted(samples, e.getMessage()), e);
    }
    Map<String, Variant> variants = new LinkedHashMap<>();
    for (Map.Entry<String, List<SampleLine>> e : byVariant.entrySet()) {
      List<SampleLine> lines = e.getValue();
      lines.sort(java.util.Comparator.comparingInt(SampleLine::index));
      variants.put(
          e.getKey(),
          new Variant(
              DaiMetrics.all(lines, layers),
              DaiMetrics.f2t(lines, layers),
              losses.getOrDefault(e.getKey(), List.of())));
    }
    return variants;
  }

  public ObjectNode toJson() {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    root.put("task", taskName);
    root.put("model", config.model());
    root.put("shots", config.shots());
    root.put("select", config.select());
    root.put("ft_lr", ftLr);
    root.put("seed", config.seed());
    root.put("position", config.position().flag());
    root.put("answer_score", config.answerScore().flag());
    root.put("layers", layers);
    root.put("queries", queries);
    root.put("left_out_queries", leftOut);
    LrTrial.putAll(root, "lr_search", lrSearch);
    ObjectNode variantsNode = root.putObject("variants");
    variants.forEach(
        (name, v) -> {
          ObjectNode node = variantsNode.putObject(name);
          node.set("all", metrics(mapper, v.all()));
          node.set("f2t", metrics(mapper, v.f2t()));
          ArrayNode losses = node.putArray("ft_losses");
          v.ftLosses().forEach(losses::add);
        });
    ArrayNode notesNode = root.putArray("notes");
    notes.forEach(notesNode::add);
    ObjectNode time = root.putObject("seconds");
    seconds.forEach(time::put);
    return root;
  }

  /** One subset's metrics as metrics.json writes them (NaN, e.g. an undefined SimAM, as null). */
  public static ObjectNode metricsJson(DaiMetrics m) {
    return metrics(new ObjectMapper(), m);
  }

  private static ObjectNode metrics(ObjectMapper mapper, DaiMetrics m) {
    ObjectNode node = mapper.createObjectNode();
    node.put("examples", m.examples());
    ObjectNode acc = node.putObject("accuracy");
    JsonNumbers.put(acc, "zsl", m.zslAccuracy());
    JsonNumbers.put(acc, "ft", m.ftAccuracy());
    JsonNumbers.put(acc, "icl", m.iclAccuracy());
    ObjectNode rec = node.putObject("rec2ftp");
    rec.put("zsl_wrong_ft_right", m.rec2ftp().ftFixes());
    rec.put("and_icl_right", m.rec2ftp().iclAlsoRight());
    JsonNumbers.put(rec, "percent", m.rec2ftp().percent());
    JsonNumbers.put(rec, "permuted_icl_percent", m.rec2ftpPermuted());
    ObjectNode predictions = node.putObject("label_counts");
    JsonNumbers.putCounts(predictions, "gold", m.predictions().gold());
    JsonNumbers.putCounts(predictions, "zsl", m.predictions().zsl());
    JsonNumbers.putCounts(predictions, "icl", m.predictions().icl());
    JsonNumbers.putCounts(predictions, "ft", m.predictions().ft());
    node.set("simaou", layers(mapper, m.simAou()));
    node.set("simaou_random_baseline", layers(mapper, m.simAouRandom()));
    node.set("simaou_mismatched_baseline", layers(mapper, m.simAouMismatched()));
    node.set("simaou_minus_mismatched", layers(mapper, m.simAouSpecific()));
    node.set("simam", layers(mapper, m.simAm()));
    node.set("simam_zsl_baseline", layers(mapper, m.simAmZsl()));
    node.set("simam_delta", layers(mapper, m.simAmDelta()));
    return node;
  }

  private static ObjectNode layers(ObjectMapper mapper, LayerMeans means) {
    ObjectNode node = mapper.createObjectNode();
    JsonNumbers.put(node, "overall", means.overall());
    JsonNumbers.putAll(node, "per_layer", means.perLayer());
    return node;
  }
}
