package dev.iclab.icl;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.iclab.IclabException;
import java.util.Arrays;
import java.util.Locale;

/**
 * The order of demonstrations in the prompt ({@code --order}): as selected, shuffled with the seed,
 * by similarity to the query (most similar last), every permutation of k &le; {@value
 * DemoOrder#MAX_PERMUTED}, or the orders Lu et al.'s GlobalE / LocalE statistics rank best.
 */
public enum Order {
  /** Zero-shot: no demonstrations to order; written "-". */
  NONE,
  GIVEN,
  RANDOM,
  SIMILARITY,
  PERMUTATIONS,
  GLOBALE,
  LOCALE;

  /** The flag value, as written in run.json and the samples. */
  @JsonValue
  public String flag() {
    return this == NONE ? "-" : name().toLowerCase(Locale.ROOT);
  }

  /** Whether the order is chosen by an entropy statistic over a probing set (Lu et al. 2022). */
  public boolean ranksByEntropy() {
    return this == GLOBALE || this == LOCALE;
  }

  /**
   * @throws IclabException naming the known values
   */
  @JsonCreator
  public static Order parse(String flag) {
    for (Order o : values()) {
      if (o.flag().equals(flag)) {
        return o;
      }
    }
    throw new IclabException(
        "unknown --order '%s'; use %s"
            .formatted(
                flag,
                String.join(
                    ", ",
                    Arrays.stream(values()).filter(o -> o != NONE).map(Order::flag).toList())));
  }

  @Override
  public String toString() {
    return flag();
  }
}
