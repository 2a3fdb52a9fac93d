package dev.iclab.lm.hub;

import dev.iclab.IclabException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Turns a {@code --model} value into a model directory: an existing directory, or a hub id found in
 * the local Hugging Face cache.
 *
 * <p>Cache layout (huggingface_hub's): {@code <hubCache>/models--org--name/refs/<revision>} holds a
 * commit hash and {@code snapshots/<commit>/} the files. A revision with no ref is looked up as a
 * commit hash; for the default {@code main} without a ref, the only snapshot (or, if several, the
 * most recently modified) is used, as happens with caches copied between machines.
 */
public final class ModelLocator {
  private final HubEnvironment environment;

  public ModelLocator(HubEnvironment environment) {
    this.environment = environment;
  }

  /**
   * Resolves a {@code --model} value.
   *
   * @param model a directory holding {@code config.json}, or a hub id {@code name}, {@code
   *     org/name}, optionally with {@code @revision}
   * @return the model directory (a cache snapshot for a hub id)
   * @throws IclabException when the directory lacks config.json, or the id is not in the cache; the
   *     message lists where it looked and suggests {@code --download}
   */
  public Path resolve(String model) {
    Path directory = Path.of(model);
    if (Files.isDirectory(directory)) {
      return requireConfig(directory, "a model directory");
    }
    ModelId id = ModelId.parse(model);
    return findCached(id)
        .orElseThrow(
            () ->
                new IclabException(
                    ("model '%s' is not a directory and not in the Hugging Face cache: looked for"
                            + " refs/%s or a snapshot in %s (cache from HF_HUB_CACHE, else HF_HOME/hub, else"
                            + " ~/.cache/huggingface/hub). Pass a model directory, or add"
                            + " --download to fetch it from %s.")
                        .formatted(
                            model,
                            id.revision(),
                            snapshotsOf(id).getParent(),
                            environment.endpoint())));
  }

  /**
   * Resolves {@code model} like {@link #resolve(String)}, downloading a hub id that is not cached.
   *
   * @throws IclabException as {@link #resolve(String)} and {@link HubDownloader#download}
   */
  public Path resolveOrDownload(String model, HubDownloader downloader, DownloadProgress progress) {
    if (Files.isDirectory(Path.of(model))) {
      return resolve(model);
    }
    ModelId id = ModelId.parse(model);
    return findCached(id).orElseGet(() -> downloader.download(id, progress));
  }

  /**
   * The cached snapshot of {@code id}, if the cache has one.
   *
   * @throws IclabException when the snapshot exists but has no config.json
   */
  public Optional<Path> findCached(ModelId id) {
    Path snapshots = snapshotsOf(id);
    Path ref = snapshots.resolveSibling("refs").resolve(id.revision());
    Optional<Path> snapshot;
    if (Files.isRegularFile(ref)) {
      snapshot = Optional.of(snapshots.resolve(readRef(ref)));
    } else if (id.isCommit()) {
      snapshot = Optional.of(snapshots.resolve(id.revision()));
    } else if (id.revision().equals(ModelId.DEFAULT_REVISION)) {
      snapshot = newestSnapshot(snapshots);
    } else {
      snapshot = Optional.empty();
    }
    return snapshot
        .filter(Files::isDirectory)
        .map(dir -> requireConfig(dir, "the cached snapshot of " + id));
  }

  /** {@code <hubCache>/models--org--name/snapshots}. */
  Path snapshotsOf(ModelId id) {
    return environment.hubCache().resolve(id.cacheFolderName()).resolve("snapshots");
  }

  private static String readRef(Path ref) {
    try {
      return Files.readString(ref, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new IclabException("cannot read %s: %s".formatted(ref, e.getMessage()), e);
    }
  }

  private static Optional<Path> newestSnapshot(Path snapshots) {
    if (!Files.isDirectory(snapshots)) {
      return Optional.empty();
    }
    try (Stream<Path> entries = Files.list(snapshots)) {
      Path newest = null;
      FileTime newestTime = null;
      for (Path directory : entries.filter(Files::isDirectory).toList()) {
        FileTime time = Files.getLastModifiedTime(directory);
        if (newestTime == null || time.compareTo(newestTime) > 0) {
          newest = directory;
          newestTime = time;
        }
      }
      return Optional.ofNullable(newest);
    } catch (IOException e) {
      throw new IclabException("cannot list %s: %s".formatted(snapshots, e.getMessage()), e);
    }
  }

  private static Path requireConfig(Path directory, String what) {
    if (!Files.isRegularFile(directory.resolve("config.json"))) {
      throw new IclabException(
          ("%s %s has no config.json; a model directory needs config.json, model.safetensors (or"
                  + " model.safetensors.index.json and its shards) and tokenizer.json. Copy the"
                  + " missing files from the model's hub repository, or download it again.")
              .formatted(what, directory.toAbsolutePath()));
    }
    return directory;
  }
}
