package dev.iclab.icl.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.data.Task;
import dev.iclab.icl.Calibration;
import dev.iclab.icl.Calibrator;
import dev.iclab.icl.Demo;
import dev.iclab.icl.IclEvaluator;
import dev.iclab.icl.Prompt;
import dev.iclab.icl.Scoring;
import dev.iclab.lm.score.ContinuationScore;
import java.util.ArrayList;
import java.util.List;

/** The samples.jsonl lines of one query in one group: one per setting (scoring x calibrate). */
final class SampleLines {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Task task;
  private final List<Scoring> scorings;
  private final List<Calibration> calibrations;

  SampleLines(Task task, List<Scoring> scorings, List<Calibration> calibrations) {
    this.task = task;
    this.scorings = scorings;
    this.calibrations = calibrations;
  }

  /** The settings' names, in the order of {@link #lines}. */
  List<String> settings(ExperimentPlan.Group group) {
    List<String> names = new ArrayList<>();
    for (Scoring s : scorings) {
      for (Calibration c : calibrations) {
        names.add(group.name() + " scoring=" + s.flag() + " calibrate=" + c);
      }
    }
    return names;
  }

  /**
   * One line per setting not yet in {@code samples}.
   *
   * @param contentFree the content-free inputs' scores with the same demonstrations (contextual
   *     calibration), or null without it
   * @param orderStatistic GlobalE/LocalE of the group's order, or NaN
   */
  List<JsonNode> lines(
      List<String> settings,
      ExperimentPlan.Group group,
      Prompt prompt,
      IclEvaluator.Scores scores,
      List<List<ContinuationScore>> contentFree,
      SamplesFile samples,
      double orderStatistic) {
    List<JsonNode> lines = new ArrayList<>();
    int setting = 0;
    for (Scoring scoring : scorings) {
      double[] values = scoring.scores(scores.candidates());
      for (Calibration calibrate : calibrations) {
        String name = settings.get(setting++);
        if (!samples.contains(name, prompt.query().id())) {
          Calibrator calibrator =
              calibrate == Calibration.NONE
                  ? Calibrator.none()
                  : Calibrator.contextual(contentFree.stream().map(scoring::scores).toList());
          ObjectNode line = sample(name, group, scoring, calibrate, prompt, values, calibrator);
          if (!Double.isNaN(orderStatistic)) {
            line.put("order_" + group.order(), orderStatistic);
          }
          lines.add(line);
        }
      }
    }
    return lines;
  }

  private ObjectNode sample(
      String name,
      ExperimentPlan.Group group,
      Scoring scoring,
      Calibration calibrate,
      Prompt prompt,
      double[] values,
      Calibrator calibrator) {
    ObjectNode s = JSON.createObjectNode();
    s.put("setting", name);
    s.put("id", prompt.query().id());
    s.put("task", task.name());
    s.put("shots", group.shots());
    s.put("seed", group.seed());
    s.put("select", group.select());
    s.put("order", group.order().flag());
    s.put("labels", group.labels());
    if (group.permutation() != null) {
      ArrayNode perm = s.putArray("perm");
      for (int p : group.permutation()) {
        perm.add(p);
      }
    }
    s.put("scoring", scoring.flag());
    s.put("calibrate", calibrate.flag());
    ArrayNode ids = s.putArray("demo_ids");
    ArrayNode labels = s.putArray("demo_labels");
    for (Demo d : prompt.demos()) {
      ids.add(d.example().id());
      if (d.form() == Demo.Form.INPUT_ONLY) {
        labels.addNull();
      } else {
        labels.add(task.labelWords().get(d.shownLabel()));
      }
    }
    s.put("n_demos", prompt.demos().size());
    ObjectNode scoreNode = s.putObject("scores");
    for (int i = 0; i < values.length; i++) {
      scoreNode.put(task.labelWords().get(i), values[i]);
    }
    double[] probabilities = calibrator.probabilities(values);
    if (calibrate != Calibration.NONE) {
      ObjectNode probs = s.putObject("calibrated");
      for (int i = 0; i < probabilities.length; i++) {
        probs.put(task.labelWords().get(i), probabilities[i]);
      }
    }
    int predicted = Calibrator.argmax(probabilities);
    int gold = prompt.query().label();
    s.put("prediction", task.labelWords().get(predicted));
    s.put("gold", task.labelWords().get(gold));
    s.put("correct", predicted == gold);
    return s;
  }
}
