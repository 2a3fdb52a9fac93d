package dev.iclab.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.analysis.metrics.Rec2Ftp;
import dev.iclab.analysis.metrics.SimAm;
import dev.iclab.analysis.metrics.SimAou;
import dev.iclab.lm.LabelScores;
import java.util.Arrays;
import java.util.SplittableRandom;

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
 * @param simAm per layer: ICL vs FT attention maps over the query tokens (NaN where undefined: a
 *     one-token query; null in JSON)
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

  /** Another example's ZSL and FT records, for the mismatched SimAOU baseline. */
  public record Partner(String id, SettingRecord zsl, SettingRecord ft) {}

  /**
   * Measures one example from its three settings' records: SimAOU with its random baseline (a
   * vector uniform in [0, 1) per layer, drawn from {@code randomSeed}) and, given a partner, its
   * mismatched baseline; SimAM (ICL vs FT) and its ZSL baseline, NaN where undefined ({@link
   * SimAm#of}). Any model's probe may produce the records (the LM runtime's or the lab's).
   *
   * @param partner another example's records, or null when there is none
   */
  public static SampleLine of(
      String variant,
      int index,
      String id,
      int label,
      SettingRecord zsl,
      SettingRecord icl,
      SettingRecord ft,
      Partner partner,
      long randomSeed) {
    int layers = zsl.outputs().length;
    double[] simAou = new double[layers];
    double[] simAouRandom = new double[layers];
    double[] simAouMismatched = new double[partner == null ? 0 : layers];
    double[] simAm = new double[layers];
    double[] simAmZsl = new double[layers];
    SplittableRandom random = new SplittableRandom(randomSeed);
    for (int l = 0; l < layers; l++) {
      simAou[l] = SimAou.of(zsl.outputs()[l], icl.outputs()[l], ft.outputs()[l]);
      double[] uniform = new double[zsl.outputs()[l].length];
      for (int j = 0; j < uniform.length; j++) {
        uniform[j] = random.nextDouble();
      }
      simAouRandom[l] = SimAou.baseline(zsl.outputs()[l], icl.outputs()[l], uniform);
      if (partner != null) {
        simAouMismatched[l] =
            SimAou.mismatched(
                zsl.outputs()[l],
                icl.outputs()[l],
                partner.zsl().outputs()[l],
                partner.ft().outputs()[l]);
      }
      simAm[l] = SimAm.of(icl.queryScores()[l], ft.queryScores()[l]);
      simAmZsl[l] = SimAm.of(icl.queryScores()[l], zsl.queryScores()[l]);
    }
    return new SampleLine(
        variant,
        index,
        id,
        label,
        zsl.labelLogProbs(),
        icl.labelLogProbs(),
        ft.labelLogProbs(),
        simAou,
        simAouRandom,
        partner == null ? null : partner.id(),
        simAouMismatched,
        simAm,
        simAmZsl);
  }

  public int zslPrediction() {
    return LabelScores.argmax(zsl);
  }

  public int iclPrediction() {
    return LabelScores.argmax(icl);
  }

  public int ftPrediction() {
    return LabelScores.argmax(ft);
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
    putUnlessUndefined(node, "simam", simAm);
    putUnlessUndefined(node, "simam_zsl", simAmZsl);
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
        getOrUndefined(node, "simam", node.path("simaou").size()),
        getOrUndefined(node, "simam_zsl", node.path("simaou").size()));
  }

  /** An undefined (all-NaN) similarity is written as null. */
  private static void putUnlessUndefined(ObjectNode node, String key, double[] values) {
    if (Arrays.stream(values).allMatch(Double::isNaN) && values.length > 0) {
      node.putNull(key);
    } else {
      put(node, key, values);
    }
  }

  private static double[] getOrUndefined(JsonNode node, String key, int layers) {
    if (node.path(key).isNull()) {
      double[] undefined = new double[layers];
      Arrays.fill(undefined, Double.NaN);
      return undefined;
    }
    return get(node, key);
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
