package dev.iclab.tensor;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Locates fixtures in {@code ../shared} beside the checkout.
 *
 * <p>When {@code ICLAB_REQUIRE_SHARED=1} (CI) a missing asset fails the test; otherwise it skips
 * with the path it looked for.
 */
public final class SharedAssets {
  private SharedAssets() {}

  /**
   * The shared folder: {@code -Diclab.shared}, else {@code $ICLAB_SHARED}, else {@code ../shared}.
   */
  public static Path root() {
    String property = System.getProperty("iclab.shared");
    if (property == null || property.isBlank()) {
      property = System.getenv("ICLAB_SHARED");
    }
    return Path.of(property == null || property.isBlank() ? "../shared" : property)
        .toAbsolutePath()
        .normalize();
  }

  /** Whether a missing asset must fail rather than skip. */
  public static boolean required() {
    return "1".equals(System.getenv("ICLAB_REQUIRE_SHARED"))
        || "true".equals(System.getenv("ICLAB_REQUIRE_SHARED"))
        || Boolean.getBoolean("iclab.requireShared");
  }

  /** Resolves a path under the shared folder; fails or skips when it does not exist. */
  public static Path require(String relative) {
    Path path = root().resolve(relative);
    if (!Files.exists(path)) {
      String message = "shared asset missing: " + path + " (set ICLAB_SHARED or -Diclab.shared)";
      if (required()) {
        fail(message);
      }
      Assumptions.abort(message);
    }
    return path;
  }
}
