package dev.iclab.icl;

import dev.iclab.data.Example;
import java.util.LinkedHashMap;
import java.util.Map;

/** Hand-made examples for tests. */
final class Examples {
  private Examples() {}

  static Example of(String id, int label, String... slotValuePairs) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (int i = 0; i < slotValuePairs.length; i += 2) {
      fields.put(slotValuePairs[i], slotValuePairs[i + 1]);
    }
    return new Example(id, fields, label);
  }
}
