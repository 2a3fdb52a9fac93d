package dev.iclab.data;

import java.util.List;

/**
 * A classification task for in-context learning.
 *
 * @param name registry name, e.g. {@code sst2}
 * @param labelNames names of labels 0..n-1 as the data spells them (e.g. {@code negative})
 * @param labelWords the verbalizer's words for labels 0..n-1 (e.g. {@code Negative})
 * @param template how examples become text
 * @param instruction text placed once before the demonstrations (then the separator), or empty
 * @param train demonstrations are drawn from here
 * @param eval the evaluation split
 * @param heldOut when train and eval are the same file without a split: how to cut it; else null
 */
public record Task(
    String name,
    List<String> labelNames,
    List<String> labelWords,
    Template template,
    String instruction,
    DataSource train,
    DataSource eval,
    HeldOut heldOut) {

  /**
   * A seeded split of a file that has none: the row indices are shuffled by Fisher-Yates with
   * {@code java.util.Random(seed)}; the first {@code evalSize} become the evaluation set (in file
   * order), the others the training pool (in file order).
   */
  public record HeldOut(int evalSize, long seed) {}

  public Task {
    labelNames = List.copyOf(labelNames);
    labelWords = List.copyOf(labelWords);
    if (labelWords.size() != labelNames.size()) {
      throw new DatasetException(
          "task %s has %d labels %s but %d label words %s; give one label word per label"
              .formatted(name, labelNames.size(), labelNames, labelWords.size(), labelWords));
    }
    if (labelNames.size() < 2) {
      throw new DatasetException(
          "task %s has %d label(s); a classification task needs at least 2"
              .formatted(name, labelNames.size()));
    }
    for (String slot : template.slots()) {
      if (!train.fields().containsKey(slot) || !eval.fields().containsKey(slot)) {
        throw new DatasetException(
            "task %s: template slot {%s} is not a field of the data (fields: %s); map a column to it"
                .formatted(name, slot, train.fields().keySet()));
      }
    }
    instruction = instruction == null ? "" : instruction;
  }

  public int numLabels() {
    return labelNames.size();
  }
}
