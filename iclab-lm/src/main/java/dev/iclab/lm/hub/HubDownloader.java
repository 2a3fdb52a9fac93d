package dev.iclab.lm.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.IclabException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Downloads a model from a Hugging Face hub ({@code $HF_ENDPOINT}, default the public hub) into the
 * local hub cache, where {@link ModelLocator} finds it.
 *
 * <p>Steps: {@code GET {endpoint}/api/models/{id}/revision/{rev}} gives the commit hash and the
 * file list; each needed file (see {@link RepoListing}) comes from {@code
 * {endpoint}/{id}/resolve/{commit}/{file}}; finally {@code refs/{rev}} records the commit.
 *
 * <p>Files are written straight into {@code models--org--name/snapshots/{commit}/}, not into {@code
 * blobs/} with symlinks as huggingface_hub does: that needs each file's ETag and symlinks, and
 * readers (huggingface_hub's included) only look at the snapshot paths. A file is first written to
 * {@code {file}.incomplete} beside its final path and renamed atomically when complete; a run that
 * finds a {@code .incomplete} file resumes it with an HTTP Range request. Files already in the
 * snapshot are not fetched again. {@code $HF_TOKEN}, when set, is sent as a Bearer token.
 */
public final class HubDownloader {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-\\d+/(\\d+|\\*)");
  private static final int CHUNK_BYTES = 1 << 16;

  private final HubEnvironment environment;
  private final HubHttp http;

  public HubDownloader(HubEnvironment environment) {
    this.environment = environment;
    this.http = new HubHttp(environment.endpoint(), environment.token());
  }

  /**
   * Downloads {@code id} at its revision into the hub cache.
   *
   * @param progress told about every file, see {@link DownloadProgress}
   * @return the snapshot directory, a model directory
   * @throws IclabException on HTTP errors (401, 403, 404: the message says what to do), network
   *     failures (partial files are kept for the next run) and repositories without config.json or
   *     safetensors weights
   */
  public Path download(ModelId id, DownloadProgress progress) {
    RepoListing listing = list(id);
    Path repository = environment.hubCache().resolve(id.cacheFolderName());
    Path snapshot = repository.resolve("snapshots").resolve(listing.commit());
    for (String file : listing.files()) {
      URI uri = uri("/%s/resolve/%s/%s".formatted(id.repoId(), listing.commit(), encode(file)));
      fetch(uri, snapshot.resolve(file), "file %s of %s".formatted(file, id), file, progress);
    }
    if (!id.revision().equals(listing.commit())) {
      writeAtomically(repository.resolve("refs").resolve(id.revision()), listing.commit());
    }
    return snapshot;
  }

  private RepoListing list(ModelId id) {
    URI uri = uri("/api/models/%s/revision/%s".formatted(id.repoId(), encode(id.revision())));
    String what = "the file list of " + id;
    HttpResponse<InputStream> response = http.get(uri, 0, what);
    try (InputStream body = response.body()) {
      JsonNode answer = JSON.readTree(body);
      return RepoListing.parse(answer, id, uri.toString());
    } catch (IOException e) {
      throw HubHttp.networkFailure(what, uri, e);
    }
  }

  private void fetch(URI uri, Path target, String what, String file, DownloadProgress progress) {
    if (Files.isRegularFile(target)) {
      long size = size(target);
      progress.update(file, size, size);
      return;
    }
    Path partial = target.resolveSibling(target.getFileName() + ".incomplete");
    long offset = Files.isRegularFile(partial) ? size(partial) : 0;
    HttpResponse<InputStream> response = http.get(uri, offset, what);
    if (response.statusCode() == 416) {
      // The partial file does not fit the server's copy (it changed or is already too long).
      HubHttp.close(response);
      delete(partial);
      offset = 0;
      response = http.get(uri, 0, what);
    }
    long total;
    if (response.statusCode() == 206) {
      Matcher range =
          CONTENT_RANGE.matcher(response.headers().firstValue("Content-Range").orElse(""));
      if (!range.matches() || Long.parseLong(range.group(1)) != offset) {
        HubHttp.close(response);
        throw new IclabException(
            "cannot resume %s: asked %s for bytes from %d, got Content-Range '%s'; delete %s and run again"
                .formatted(
                    what,
                    uri,
                    offset,
                    response.headers().firstValue("Content-Range").orElse(""),
                    partial));
      }
      total = range.group(2).equals("*") ? -1 : Long.parseLong(range.group(2));
    } else {
      // 200: the whole file, whether or not a range was asked for.
      offset = 0;
      total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
    }
    long done = copy(response, partial, offset, total, uri, what, file, progress);
    if (total >= 0 && done != total) {
      throw new IclabException(
          "download of %s from %s ended at %d of %d bytes; run again to resume"
              .formatted(what, uri, done, total));
    }
    move(partial, target);
    progress.update(file, done, total >= 0 ? total : done);
  }

  private static long copy(
      HttpResponse<InputStream> response,
      Path partial,
      long offset,
      long total,
      URI uri,
      String what,
      String file,
      DownloadProgress progress) {
    long done = offset;
    try (InputStream body = response.body();
        OutputStream out = open(partial, offset > 0)) {
      progress.update(file, done, total);
      byte[] buffer = new byte[CHUNK_BYTES];
      for (int n = body.read(buffer); n >= 0; n = body.read(buffer)) {
        out.write(buffer, 0, n);
        done += n;
        progress.update(file, done, total);
      }
      return done;
    } catch (IOException e) {
      throw HubHttp.networkFailure(what, uri, e);
    }
  }

  private static OutputStream open(Path partial, boolean append) throws IOException {
    Files.createDirectories(partial.getParent());
    return append
        ? Files.newOutputStream(partial, StandardOpenOption.APPEND)
        : Files.newOutputStream(
            partial, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
  }

  private URI uri(String path) {
    return URI.create(environment.endpoint() + path);
  }

  /** Percent-encodes one path segment; URLEncoder writes a space as '+', which a path keeps. */
  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static void writeAtomically(Path file, String content) {
    try {
      Files.createDirectories(file.getParent());
      Path temporary = Files.createTempFile(file.getParent(), ".ref", ".tmp");
      Files.writeString(temporary, content, StandardCharsets.UTF_8);
      move(temporary, file);
    } catch (IOException e) {
      throw new IclabException(
          "cannot write %s: %s; check permissions of the hub cache".formatted(file, e), e);
    }
  }

  private static void move(Path from, Path to) {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new IclabException(
          "cannot move %s to %s: %s; check permissions of the hub cache".formatted(from, to, e), e);
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new IclabException("cannot read the size of %s: %s".formatted(file, e), e);
    }
  }

  private static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new IclabException(
          "cannot delete %s: %s; delete it by hand and run again".formatted(file, e), e);
    }
  }
}
