package dev.iclab.lm.arch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iclab.lm.config.ConfigException;
import dev.iclab.lm.config.HfConfig;

/**
 * config.json's {@code rope_scaling}: the types iclab implements rescale the rotary frequencies;
 * any other type is an error that names it, never silently ignored.
 */
public final class RopeScaling {
  private RopeScaling() {}

  /** Frequencies for {@code dims} rotary dimensions with the config's scaling applied. */
  public static float[] frequencies(HfConfig config, int dims, double base) {
    float[] inv = Rotary.frequencies(dims, base);
    if (!config.has("rope_scaling")) {
      return inv;
    }
    JsonNode scaling = config.node("rope_scaling");
    String type =
        scaling.has("rope_type")
            ? scaling.get("rope_type").asText()
            : scaling.path("type").asText("?");
    switch (type) {
      case "default":
        return inv;
      case "linear":
        {
          double factor = factor(config, scaling);
          for (int i = 0; i < inv.length; i++) {
            inv[i] = (float) (inv[i] / factor);
          }
          return inv;
        }
      case "llama3":
        return llama3(config, scaling, inv);
      default:
        throw config.unsupported(
            "rope_scaling",
            "rope scaling type '" + type + "'; supported: linear, llama3",
            "use a checkpoint without it, or add the type to RopeScaling");
    }
  }

  private static double factor(HfConfig config, JsonNode scaling) {
    double factor = scaling.path("factor").asDouble(0);
    if (factor <= 0) {
      throw new ConfigException("%s: rope_scaling.factor must be > 0".formatted(config.path()));
    }
    return factor;
  }

  /**
   * Llama 3.1's band-wise scaling: long wavelengths divided by factor, short kept, smoothed
   * between.
   */
  private static float[] llama3(HfConfig config, JsonNode scaling, float[] inv) {
    double factor = factor(config, scaling);
    double low = scaling.path("low_freq_factor").asDouble(1);
    double high = scaling.path("high_freq_factor").asDouble(4);
    double original = scaling.path("original_max_position_embeddings").asDouble(8192);
    double lowWavelength = original / low;
    double highWavelength = original / high;
    for (int i = 0; i < inv.length; i++) {
      double wavelength = 2 * Math.PI / inv[i];
      if (wavelength > lowWavelength) {
        inv[i] = (float) (inv[i] / factor);
      } else if (wavelength >= highWavelength) {
        double smooth = (original / wavelength - low) / (high - low);
        inv[i] = (float) ((1 - smooth) * inv[i] / factor + smooth * inv[i]);
      }
    }
    return inv;
  }
}
