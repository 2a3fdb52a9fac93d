package dev.iclab.lm.hub;

import dev.iclab.IclabException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * GET requests to the hub with the token, redirects and error messages that downloads need.
 *
 * <p>Redirects are followed here rather than by the client so that the token is sent only to the
 * hub itself, never to the storage host a large file redirects to.
 */
final class HubHttp {
  private static final int MAX_REDIRECTS = 5;
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
  // Until the response headers arrive; a large body may take as long as it needs.
  private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(60);

  private final HttpClient client;
  private final URI endpoint;
  private final Optional<String> token;

  HubHttp(URI endpoint, Optional<String> token) {
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    this.endpoint = endpoint;
    this.token = token;
  }

  /**
   * GETs {@code uri}, from byte {@code rangeStart} on when it is positive.
   *
   * @param what what is fetched, for error messages ("file config.json of gpt2")
   * @return a response with status 200, 206 or 416; the caller closes its body
   * @throws IclabException for any other status and for network failures
   */
  HttpResponse<InputStream> get(URI uri, long rangeStart, String what) {
    URI current = uri;
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      HttpResponse<InputStream> response = send(request(current, rangeStart), what);
      int status = response.statusCode();
      if (status == 200 || status == 206 || status == 416) {
        return response;
      }
      close(response);
      Optional<String> location = response.headers().firstValue("Location");
      if (status / 100 == 3 && location.isPresent()) {
        current = current.resolve(location.get());
        continue;
      }
      throw failure(status, current, what);
    }
    throw new IclabException(
        "more than %d redirects while fetching %s from %s; check HF_ENDPOINT"
            .formatted(MAX_REDIRECTS, what, uri));
  }

  private HttpRequest request(URI uri, long rangeStart) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri).GET().timeout(RESPONSE_TIMEOUT).header("User-Agent", "iclab");
    if (rangeStart > 0) {
      request.header("Range", "bytes=" + rangeStart + "-");
    }
    if (token.isPresent() && sameOrigin(uri)) {
      request.header("Authorization", "Bearer " + token.get());
    }
    return request.build();
  }

  private boolean sameOrigin(URI uri) {
    return Objects.equals(uri.getScheme(), endpoint.getScheme())
        && Objects.equals(uri.getHost(), endpoint.getHost())
        && uri.getPort() == endpoint.getPort();
  }

  private HttpResponse<InputStream> send(HttpRequest request, String what) {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw networkFailure(what, request.uri(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IclabException(
          "interrupted while fetching %s; run again to resume".formatted(what), e);
    }
  }

  /** A network failure while fetching {@code what}: the message says partial files are kept. */
  static IclabException networkFailure(String what, URI uri, IOException cause) {
    return new IclabException(
        ("network failure while fetching %s from %s (%s); check the connection and HF_ENDPOINT,"
                + " then run again: partial downloads are kept and resumed")
            .formatted(what, uri, cause.toString()),
        cause);
  }

  private IclabException failure(int status, URI uri, String what) {
    String advice =
        switch (status) {
          case 401 ->
              token.isPresent()
                  ? "HF_TOKEN was sent and rejected; set HF_TOKEN to a valid access token"
                  : "the repository is private or gated; set HF_TOKEN to an access token with read"
                      + " access";
          case 403 ->
              "your token has no access to it; accept the model's conditions on its hub"
                  + " page, or use a token with read access to the repository";
          case 404 ->
              "check the model id, the revision and the file name (private"
                  + " repositories also answer 404 without HF_TOKEN)";
          default -> "the hub may be down; try again later";
        };
    return new IclabException(
        "cannot fetch %s: HTTP %d from %s; %s".formatted(what, status, uri, advice));
  }

  static void close(HttpResponse<InputStream> response) {
    try {
      response.body().close();
    } catch (IOException e) {
      // Closing only releases the connection; the response is already handled.
    }
  }
}
