package dev.iclab.tensor;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Locates test assets.
 *
 * <p>Small assets (tiny checkpoints, tokenizers, tokenizer cases, slices of the datasets) live in
 * the repository's {@code fixtures/} folder, copied from {@code ../shared} with their SOURCE notes,
 * so that a bare clone tests the core: {@link #require} looks there first. Large assets (full
 * datasets, Omniglot, corpora) are read from {@code ../shared} only: {@link #requireShared}.
 *
 * <p>When {@code ICLAB_REQUIRE_SHARED=1} (CI) a missing asset fails the test; otherwise it skips
 * with one line naming the asset and how to provide it. Call these from a test method or a
 * parameter source, never from a static initializer, where JUnit cannot skip.
 */
public final class SharedAssets {
  private static final String FIXTURES_MARKER = "fixtures/README.md";

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

  /**
   * The repository's fixtures folder: {@code -Diclab.fixtures} (the build sets it), else the first
   * {@code fixtures/} with a README above the working directory.
   */
  public static Path fixtures() {
    String property = System.getProperty("iclab.fixtures");
    if (property != null && !property.isBlank()) {
      return Path.of(property).toAbsolutePath().normalize();
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve(FIXTURES_MARKER))) {
        return dir.resolve("fixtures");
      }
    }
    return Path.of("fixtures").toAbsolutePath().normalize();
  }

  /** Whether a missing asset must fail rather than skip. */
  public static boolean required() {
    return "1".equals(System.getenv("ICLAB_REQUIRE_SHARED"))
        || "true".equals(System.getenv("ICLAB_REQUIRE_SHARED"))
        || Boolean.getBoolean("iclab.requireShared");
  }

  /**
   * A small asset: the repository's {@code fixtures/<relative>} when it is there, else {@code
   * <shared>/<relative>}; fails or skips when neither exists. For {@code "data"} this is the folder
   * of dataset SLICES: a test that needs a full dataset uses {@link #requireShared}.
   */
  public static Path require(String relative) {
    Path fixture = fixtures().resolve(relative);
    if (Files.exists(fixture)) {
      return fixture;
    }
    return requireShared(relative);
  }

  /** A large asset that only {@code ../shared} (or {@code ICLAB_SHARED}) holds. */
  public static Path requireShared(String relative) {
    Path path = root().resolve(relative);
    if (!Files.exists(path)) {
      String message =
          "shared asset missing: "
              + path
              + " (put ../shared beside the checkout, or set ICLAB_SHARED or -Diclab.shared)";
      if (required()) {
        fail(message);
      }
      Assumptions.abort(message);
    }
    return path;
  }
}
