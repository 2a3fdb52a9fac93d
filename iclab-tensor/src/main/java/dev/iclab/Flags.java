package dev.iclab;

import java.util.Locale;

/**
 * Enum constants as command-line values: {@code FIRST_TOKEN} is spelled {@code first-token}, so an
 * enum of choices needs no table of its spellings.
 */
public final class Flags {
  private Flags() {}

  /** The constant's spelling: lower case, '-' for '_'. */
  public static String of(Enum<?> constant) {
    return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * The constant spelled {@code spec}.
   *
   * @param unknown the error message, with {@code %s} for {@code spec}: the flag, and the choices
   * @throws IclabException with {@code unknown} when no constant is spelled so
   */
  public static <E extends Enum<E>> E parse(E[] constants, String spec, String unknown) {
    for (E constant : constants) {
      if (of(constant).equals(spec)) {
        return constant;
      }
    }
    throw new IclabException(unknown.formatted(spec));
  }
}
