package dev.iclab.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.analysis.metrics.Rec2Ftp;
import dev.iclab.lm.NonFiniteException;

/**
 * One example's line of samples.jsonl: the three settings' predictions and the per-layer
 * similarities. Metrics are computed from these lines only, so a resumed run's metrics equal an
 * uninterrupted one's.
 *
 * @param variant pretrained, or untrained for the control (the JSON key is {@code setting})
 * @param index position in the evaluation order
 * @param zsl ZSL's score per label word, see {@link AnswerScore} (likewise {@code icl}, {@code ft})
 * @param simAou per layer: cosine of the ICL and FT attention-output updates
 * @param simAouRandom per layer: cosine of the ICL update with a uniform random vector
 * @param mismatchedWith id of the example whose FT update {@code simAouMismatched} uses, or null
 *     when there is no other example
 * @param simAouMismatched per layer: cosine of the ICL update with that example's FT update (empty
 *     when there is none)
 * @param simAm per layer: ICL vs FT attention maps over the query tokens
 * @param simAmZsl per layer: ICL vs ZSL attention maps (the baseline)
 */
public record SampleLine(
    String variant,
    int index,
    String id,
    int label,
    double[] zsl,
    double[] icl,
    double[] ft,
    double[] simAou,
    double[] simAouRandom,
    String mismatchedWith,
    double[] simAouMismatched,
    double[] simAm,
    double[] simAmZsl) {

  public int zslPrediction() {
    return argmax(zsl);
  }

  public int iclPrediction() {
    return argmax(icl);
  }

  public int ftPrediction() {
    return argmax(ft);
  }

  public boolean zslRight() {
    return zslPrediction() == label;
  }

  public boolean iclRight() {
    return iclPrediction() == label;
  }

  public boolean ftRight() {
    return ftPrediction() == label;
  }

  /** Whether the mismatched baseline has a value (there was another example). */
  public boolean hasMismatched() {
    return mismatchedWith != null;
  }

  /** Per layer: SimAOU minus the mismatched baseline, the example-specific part. */
  public double[] simAouSpecific() {
    double[] specific = simAou.clone();
    for (int l = 0; l < specific.length; l++) {
      specific[l] -= simAouMismatched[l];
    }
    return specific;
  }

  /** ZSL wrong, FT right, ICL right. */
  public boolean f2t() {
    return Rec2Ftp.isF2t(zslRight(), ftRight(), iclRight());
  }

  /** The index of the largest entry (the first on ties). */
  static int argmax(double[] v) {
    for (double x : v) {
      if (Double.isNaN(x)) {
        throw NonFiniteException.at(x, "a label score");
      }
    }
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }

  public ObjectNode toJson() {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("setting", variant);
    node.put("index", index);
    node.put("id", id);
    node.put("label", label);
    node.put("zsl_pred", zslPrediction());
    node.put("icl_pred", iclPrediction());
    node.put("ft_pred", ftPrediction());
    node.put("f2t", f2t());
    put(node, "zsl_logprobs", zsl);
    put(node, "icl_logprobs", icl);
    put(node, "ft_logprobs", ft);
    put(node, "simaou", simAou);
    put(node, "simaou_random", simAouRandom);
    node.put("mismatched_with", mismatchedWith);
    put(node, "simaou_mismatched", simAouMismatched);
    put(node, "simam", simAm);
    put(node, "simam_zsl", simAmZsl);
    return node;
  }

  public static SampleLine fromJson(JsonNode node) {
    return new SampleLine(
        node.path("setting").asText(),
        node.path("index").asInt(),
        node.path("id").asText(),
        node.path("label").asInt(),
        get(node, "zsl_logprobs"),
        get(node, "icl_logprobs"),
        get(node, "ft_logprobs"),
        get(node, "simaou"),
        get(node, "simaou_random"),
        node.path("mismatched_with").isTextual() ? node.get("mismatched_with").asText() : null,
        get(node, "simaou_mismatched"),
        get(node, "simam"),
        get(node, "simam_zsl"));
  }

  private static void put(ObjectNode node, String key, double[] values) {
    var array = node.putArray(key);
    for (double v : values) {
      array.add(v);
    }
  }

  private static double[] get(JsonNode node, String key) {
    JsonNode array = node.path(key);
    if (!array.isArray()) {
      throw new IllegalArgumentException("sample line without " + key + ": " + node);
    }
    double[] values = new double[array.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = array.get(i).asDouble();
    }
    return values;
  }
}
