package dev.iclab.experiments.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One cell of a {@link Grid}: its index in the product and its value on every axis.
 *
 * <p>Its id is stable (it depends on the axes' names and values only, not on the index): the values
 * written out, then the first 8 hex digits of their SHA-256, e.g. {@code shots-4_seeds-1_1f0c3a9e}.
 */
public record Cell(int index, Map<String, JsonNode> values) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int READABLE_MAX = 60;

  /** The cell's folder name under {@code cells/}. */
  public String id() {
    String readable =
        values.entrySet().stream()
            .map(e -> e.getKey() + "-" + text(e.getValue()))
            .collect(Collectors.joining("_"))
            .replaceAll("[^A-Za-z0-9.=-]+", "_")
            .replaceAll("_+", "_");
    if (readable.length() > READABLE_MAX) {
      readable = readable.substring(0, READABLE_MAX);
    }
    return readable + "_" + hash();
  }

  private String hash() {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(valuesJson().toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }

  /** The values as a JSON object in axis order. */
  public ObjectNode valuesJson() {
    ObjectNode node = JSON.createObjectNode();
    values.forEach(node::set);
    return node;
  }

  /** A value as a flag takes it: a list comma separated. */
  static String text(JsonNode value) {
    if (value.isArray()) {
      List<String> parts = new ArrayList<>();
      value.forEach(v -> parts.add(text(v)));
      return String.join(",", parts);
    }
    return value.isValueNode() ? value.asText() : value.toString();
  }
}
