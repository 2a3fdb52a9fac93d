package dev.iclab.lm.hub;

import dev.iclab.IclabException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The environment variables and home directory that decide where the Hugging Face cache is and
 * which hub to download from. Passed in rather than read from globals so tests can point everything
 * at a temporary folder and a local server.
 *
 * @param variables environment variables ({@code HF_HUB_CACHE}, {@code HF_HOME}, {@code
 *     XDG_CACHE_HOME}, {@code HF_ENDPOINT}, {@code HF_TOKEN}); others are ignored
 * @param home the user's home directory
 */
public record HubEnvironment(Map<String, String> variables, Path home) {
  /** The public hub, used when {@code HF_ENDPOINT} is not set. */
  public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

  public HubEnvironment {
    variables = Map.copyOf(variables);
    if (!home.isAbsolute()) {
      throw new IllegalArgumentException("home must be an absolute path, got " + home);
    }
  }

  /** The process environment and {@code user.home}. */
  public static HubEnvironment fromSystem() {
    return new HubEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
  }

  /**
   * The hub cache folder, as huggingface_hub computes it: {@code $HF_HUB_CACHE}, else {@code
   * $HF_HOME/hub}, else {@code $XDG_CACHE_HOME/huggingface/hub}, else {@code
   * ~/.cache/huggingface/hub}. A leading {@code ~} is expanded.
   */
  public Path hubCache() {
    return variable("HF_HUB_CACHE")
        .map(this::expandHome)
        .or(() -> variable("HF_HOME").map(home -> expandHome(home).resolve("hub")))
        .or(
            () ->
                variable("XDG_CACHE_HOME")
                    .map(xdg -> expandHome(xdg).resolve("huggingface").resolve("hub")))
        .orElse(home.resolve(".cache").resolve("huggingface").resolve("hub"));
  }

  /**
   * The hub to download from: {@code $HF_ENDPOINT} without trailing slash, else the public hub.
   *
   * @throws IclabException when {@code $HF_ENDPOINT} is not an http(s) URL
   */
  public URI endpoint() {
    String endpoint = variable("HF_ENDPOINT").orElse(DEFAULT_ENDPOINT);
    String trimmed =
        endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
    try {
      URI uri = new URI(trimmed);
      if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          && uri.getHost() != null) {
        return uri;
      }
    } catch (URISyntaxException e) {
      // reported below with the same message
    }
    throw new IclabException(
        "HF_ENDPOINT is '"
            + endpoint
            + "', not an http(s) URL: set it to a hub such as "
            + DEFAULT_ENDPOINT
            + " or unset it");
  }

  /** The access token for private and gated repositories, {@code $HF_TOKEN}. */
  public Optional<String> token() {
    return variable("HF_TOKEN");
  }

  private Optional<String> variable(String name) {
    String value = variables.get(name);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  private Path expandHome(String path) {
    if (path.equals("~")) {
      return home;
    }
    return path.startsWith("~/") ? home.resolve(path.substring(2)) : Path.of(path);
  }
}
