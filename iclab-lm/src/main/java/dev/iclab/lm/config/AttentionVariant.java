package dev.iclab.lm.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Set;

/**
 * Which attention a model computes, recorded in config.json under the iclab key {@value #KEY}.
 * Absent means standard attention (every Hugging Face checkpoint). {@code {"type": "momentum",
 * "eta": 0.9}} is Dai et al.'s momentum attention: the output of head h at position t is Attn(V, K,
 * q_t) + sum_{i<t} eta^(t-i) v_i, summed over the earlier positions the query may attend to
 * (padding and keys outside a sliding window are left out), before the output projection.
 *
 * <p>Other tools (Hugging Face transformers) ignore the key and would compute standard attention
 * with such a checkpoint; only iclab reads it.
 *
 * @param type standard or momentum
 * @param eta the momentum decay, in [0, 1); 0 for standard attention
 */
public record AttentionVariant(Type type, double eta) {
  /** The config.json key. */
  public static final String KEY = "iclab_attention";

  private static final Set<String> FIELDS = Set.of("type", "eta");

  public enum Type {
    STANDARD,
    MOMENTUM;

    String jsonName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public static final AttentionVariant STANDARD = new AttentionVariant(Type.STANDARD, 0);

  public AttentionVariant {
    if (type == null) {
      throw new IllegalArgumentException("attention type is null");
    }
    if (!(eta >= 0 && eta < 1)) {
      throw new ConfigException(
          "momentum eta must be in [0, 1), got %s; 0.9 is Dai et al.'s default".formatted(eta));
    }
    if (type == Type.STANDARD && eta != 0) {
      throw new IllegalArgumentException("standard attention has no eta, got " + eta);
    }
  }

  /** Momentum attention with decay {@code eta} in [0, 1). */
  public static AttentionVariant momentum(double eta) {
    return new AttentionVariant(Type.MOMENTUM, eta);
  }

  public boolean isMomentum() {
    return type == Type.MOMENTUM;
  }

  /**
   * Reads {@value #KEY} from a config.json; standard when absent.
   *
   * @throws ConfigException naming the file and the key for an unknown type, an unknown field or an
   *     eta outside [0, 1)
   */
  public static AttentionVariant from(HfConfig config) {
    if (!config.has(KEY)) {
      return STANDARD;
    }
    JsonNode node = config.node(KEY);
    String where = "%s: '%s' = %s".formatted(config.path(), KEY, node);
    String todo =
        "; write {\"type\": \"standard\"} or {\"type\": \"momentum\", \"eta\": 0.9} (eta in [0, 1))";
    if (!node.isObject()) {
      throw new ConfigException(where + " is not an object" + todo);
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!FIELDS.contains(field)) {
        throw new ConfigException(
            where
                + " has the unknown field '"
                + field
                + "' (this iclab does not implement it)"
                + todo);
      }
    }
    String type = node.path("type").asText("");
    switch (type) {
      case "standard":
        if (node.has("eta") && node.get("eta").asDouble() != 0) {
          throw new ConfigException(where + ": standard attention takes no eta" + todo);
        }
        return STANDARD;
      case "momentum":
        JsonNode eta = node.get("eta");
        if (eta == null || !eta.isNumber()) {
          throw new ConfigException(where + ": momentum needs a number eta" + todo);
        }
        double value = eta.asDouble();
        if (!(value >= 0 && value < 1)) {
          throw new ConfigException(where + ": eta " + value + " is outside [0, 1)" + todo);
        }
        return momentum(value);
      default:
        throw new ConfigException(
            where
                + ": unknown attention type '"
                + type
                + "'; this iclab knows standard, momentum"
                + todo);
    }
  }

  /** Records this variant in a config.json object (removes the key for standard attention). */
  public void writeTo(ObjectNode config) {
    if (type == Type.STANDARD) {
      config.remove(KEY);
      return;
    }
    ObjectNode node = config.putObject(KEY);
    node.put("type", type.jsonName());
    node.put("eta", eta);
  }

  @Override
  public String toString() {
    return isMomentum() ? "momentum (eta " + eta + ")" : "standard";
  }
}
