package dev.iclab.analysis.lab;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.analysis.DaiMetrics;
import dev.iclab.analysis.DaiOutcome;
import dev.iclab.analysis.JsonNumbers;
import dev.iclab.analysis.LrTrial;
import dev.iclab.analysis.SampleLine;
import java.util.List;

/**
 * One checkpoint's numbers: {@link DaiMetrics} on all episodes and on F2T, computed from the sample
 * lines only (so a resumed analysis equals an uninterrupted one), with the learning rate used, its
 * search, the ZSL binomial test against chance and the lab's own ICL accuracy at that step.
 *
 * @param labIclAccuracy the run's own ICL accuracy at this step (over its whole evaluation set), or
 *     NaN when its metrics.jsonl has no line for it (step 0)
 */
public record CheckpointMetrics(
    long step,
    double ftLr,
    List<LrTrial> lrSearch,
    double ftLossMean,
    DaiMetrics all,
    DaiMetrics f2t,
    double labIclAccuracy) {

  /** The metrics of one analysed checkpoint from its sample lines. */
  public static CheckpointMetrics of(
      long step,
      double ftLr,
      List<LrTrial> lrSearch,
      List<SampleLine> lines,
      double ftLossMean,
      int layers,
      double labIclAccuracy) {
    return new CheckpointMetrics(
        step,
        ftLr,
        lrSearch,
        ftLossMean,
        DaiMetrics.all(lines, layers),
        DaiMetrics.f2t(lines, layers),
        labIclAccuracy);
  }

  /** Two-sided binomial p of ZSL's accuracy against chance (1/2). */
  public double zslChanceP() {
    int right = (int) Math.round(all.zslAccuracy() * all.examples());
    return Binomial.twoSidedHalf(right, all.examples());
  }

  /** The entry of metrics.json's "checkpoints" (and a line of metrics.jsonl). */
  public ObjectNode toJson() {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("step", step);
    node.put("n_episodes", all.examples());
    JsonNumbers.put(node, "zsl_acc", all.zslAccuracy());
    JsonNumbers.put(node, "icl_acc", all.iclAccuracy());
    JsonNumbers.put(node, "ft_acc", all.ftAccuracy());
    JsonNumbers.put(node, "lab_icl_acc", labIclAccuracy);
    JsonNumbers.put(node, "zsl_chance_p", zslChanceP());
    JsonNumbers.put(node, "rec2ftp", all.rec2ftp().percent());
    JsonNumbers.put(node, "rec2ftp_permuted", all.rec2ftpPermuted());
    node.put("n_ft_fixes", all.rec2ftp().ftFixes());
    node.put("n_f2t", all.rec2ftp().iclAlsoRight());
    JsonNumbers.put(node, "simaou", all.simAou().overall());
    JsonNumbers.putAll(node, "simaou_per_layer", all.simAou().perLayer());
    JsonNumbers.put(node, "simaou_random", all.simAouRandom().overall());
    JsonNumbers.put(node, "simaou_mismatched", all.simAouMismatched().overall());
    JsonNumbers.putAll(node, "simaou_mismatched_per_layer", all.simAouMismatched().perLayer());
    JsonNumbers.put(node, "simaou_minus_mismatched", all.simAouSpecific().overall());
    JsonNumbers.put(node, "simam", all.simAm().overall());
    JsonNumbers.put(node, "simam_delta", all.simAmDelta().overall());
    JsonNumbers.put(node, "ft_lr", ftLr);
    JsonNumbers.put(node, "ft_loss_mean", ftLossMean);
    LrTrial.putAll(node, "lr_search", lrSearch);
    node.set("all", DaiOutcome.metricsJson(all));
    node.set("f2t", DaiOutcome.metricsJson(f2t));
    return node;
  }

  /** The accuracy whose first crossing the report marks. */
  public static final double ICL_THRESHOLD = 0.9;

  /** The first analysed step whose ICL accuracy reaches {@link #ICL_THRESHOLD}, or -1. */
  public static long iclCrossing(List<CheckpointMetrics> checkpoints) {
    for (CheckpointMetrics c : checkpoints) {
      if (c.all().iclAccuracy() >= ICL_THRESHOLD) {
        return c.step();
      }
    }
    return -1;
  }
}
