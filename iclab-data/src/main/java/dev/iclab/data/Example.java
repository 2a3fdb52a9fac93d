package dev.iclab.data;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One labelled example.
 *
 * @param id stable identifier within its dataset (the row's index in its file, from 0, unless the
 *     task names an id column)
 * @param fields text fields by slot name, in the task's order (e.g. {@code sentence}, or {@code
 *     premise} and {@code hypothesis})
 * @param label label index in {@code [0, labels)}
 */
public record Example(String id, Map<String, String> fields, int label) {
  public Example {
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("example without id");
    }
    if (fields.isEmpty()) {
      throw new IllegalArgumentException("example " + id + " has no text field");
    }
    fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }

  /** The example's text fields joined by a space: the input that retrieval compares. */
  public String text() {
    return String.join(" ", fields.values());
  }

  /** The same example with every text field replaced by {@code value} (content-free inputs). */
  public Example withAllFields(String value) {
    Map<String, String> replaced = new LinkedHashMap<>();
    fields.keySet().forEach(k -> replaced.put(k, value));
    return new Example(id, replaced, label);
  }
}
