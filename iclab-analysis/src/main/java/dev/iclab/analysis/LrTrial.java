package dev.iclab.analysis;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * One learning rate of Dai's fine-tuning-rate search: its dev accuracy and mean gold-answer dev
 * loss (the tie-breaker), or why it failed.
 */
public record LrTrial(double lr, double devAccuracy, double devLoss, String failure) {

  /** Writes the trials as the metrics files list them, in order. */
  public static void putAll(ObjectNode node, String key, List<LrTrial> trials) {
    ArrayNode array = node.putArray(key);
    for (LrTrial t : trials) {
      ObjectNode trial = array.addObject();
      trial.put("lr", t.lr());
      JsonNumbers.put(trial, "dev_accuracy", t.devAccuracy());
      JsonNumbers.put(trial, "dev_loss", t.devLoss());
      trial.put("failure", t.failure());
    }
  }
}
