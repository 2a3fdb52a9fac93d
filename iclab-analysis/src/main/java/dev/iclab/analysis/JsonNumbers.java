package dev.iclab.analysis;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Numbers in the metrics files: NaN (nothing to average, undefined) is written as null. */
public final class JsonNumbers {
  private JsonNumbers() {}

  public static void put(ObjectNode node, String key, double value) {
    if (Double.isNaN(value)) {
      node.putNull(key);
    } else {
      node.put(key, value);
    }
  }

  public static void putAll(ObjectNode node, String key, double[] values) {
    ArrayNode array = node.putArray(key);
    for (double v : values) {
      if (Double.isNaN(v)) {
        array.addNull();
      } else {
        array.add(v);
      }
    }
  }

  public static void putCounts(ObjectNode node, String key, int[] counts) {
    ArrayNode array = node.putArray(key);
    for (int c : counts) {
      array.add(c);
    }
  }
}
