package dev.iclab.lm.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.iclab.IclabException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Downloads from a stub hub on 127.0.0.1; no other host is ever contacted. */
@Timeout(30) // a hung connection must fail the test, not the build
class HubDownloaderTest {
  private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  private static final String TOKEN = "secret";
  private static final Pattern LISTING = Pattern.compile("/api/models/(.+)/revision/([^/]+)");
  private static final Pattern RESOLVE = Pattern.compile("/(.+)/resolve/([0-9a-f]{40})/([^/]+)");

  @TempDir Path temp;
  private HttpServer server;
  private final Map<String, byte[]> files = new LinkedHashMap<>();
  private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger transfersToCut = new AtomicInteger();

  @BeforeEach
  void startStubHub() throws IOException {
    byte[] weights = new byte[200_001];
    new Random(7).nextBytes(weights);
    files.put("config.json", "{\"model_type\": \"gpt2\"}".getBytes(StandardCharsets.UTF_8));
    files.put("tokenizer.json", "{}".getBytes(StandardCharsets.UTF_8));
    files.put("model.safetensors", weights);
    files.put("pytorch_model.bin", new byte[] {1, 2, 3});
    files.put("README.md", "# tiny".getBytes(StandardCharsets.UTF_8));
    files.put("onnx/model.safetensors", new byte[] {4, 5});
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  @AfterEach
  void stopStubHub() {
    server.stop(0);
  }

  private HubEnvironment environment(Map<String, String> extra) {
    Map<String, String> variables = new HashMap<>(extra);
    variables.put("HF_HUB_CACHE", temp.resolve("hub").toString());
    variables.putIfAbsent("HF_ENDPOINT", "http://127.0.0.1:" + server.getAddress().getPort());
    return new HubEnvironment(variables, temp.resolve("home"));
  }

  private Path snapshot(String folder) {
    return temp.resolve("hub").resolve(folder).resolve("snapshots").resolve(COMMIT);
  }

  @Test
  void downloadsNeededFilesIntoTheCacheLayout() throws IOException {
    HubEnvironment environment = environment(Map.of());
    Map<String, long[]> lastProgress = new HashMap<>();
    Path snapshot =
        new HubDownloader(environment)
            .download(
                ModelId.parse("org/tiny"),
                (file, done, total) -> lastProgress.put(file, new long[] {done, total}));

    assertEquals(snapshot("models--org--tiny"), snapshot);
    for (String name : List.of("config.json", "tokenizer.json", "model.safetensors")) {
      assertArrayEquals(files.get(name), Files.readAllBytes(snapshot.resolve(name)), name);
      long size = files.get(name).length;
      assertArrayEquals(new long[] {size, size}, lastProgress.get(name), name);
    }
    try (Stream<Path> left = Files.list(snapshot)) {
      assertEquals(
          List.of("config.json", "model.safetensors", "tokenizer.json"),
          left.map(p -> p.getFileName().toString()).sorted().toList(),
          "no .incomplete files, no skipped formats");
    }
    Path ref = temp.resolve("hub/models--org--tiny/refs/main");
    assertEquals(COMMIT, Files.readString(ref));
    assertFalse(requests.stream().anyMatch(r -> r.contains(".bin") || r.contains("README")));
    assertFalse(requests.stream().anyMatch(r -> r.contains("onnx")));
    assertTrue(requests.stream().anyMatch(r -> r.startsWith("GET /cdn/")), "redirect followed");

    assertEquals(snapshot, new ModelLocator(environment).resolve("org/tiny"));

    requests.clear();
    new HubDownloader(environment).download(ModelId.parse("org/tiny"), DownloadProgress.NONE);
    assertEquals(1, requests.size(), "only the listing is fetched again: " + requests);
  }

  @Test
  void interruptedDownloadResumesWithARangeRequest() throws IOException {
    HubEnvironment environment = environment(Map.of());
    HubDownloader downloader = new HubDownloader(environment);
    transfersToCut.set(1);
    IclabException cut =
        assertThrows(
            IclabException.class,
            () -> downloader.download(ModelId.parse("org/tiny"), DownloadProgress.NONE));
    assertTrue(cut.getMessage().contains("resumed"), cut.getMessage());
    Path partial = snapshot("models--org--tiny").resolve("model.safetensors.incomplete");
    long kept = Files.size(partial);
    byte[] weights = files.get("model.safetensors");
    assertTrue(kept > 0 && kept <= weights.length / 2, "kept " + kept + " bytes");

    requests.clear();
    Path snapshot = downloader.download(ModelId.parse("org/tiny"), DownloadProgress.NONE);
    assertTrue(
        requests.contains("GET /cdn/model.safetensors range=bytes=" + kept + "-"),
        requests.toString());
    assertArrayEquals(weights, Files.readAllBytes(snapshot.resolve("model.safetensors")));
    assertFalse(Files.exists(partial));
  }

  @Test
  void unknownModelIsANotFoundError() {
    IclabException error =
        assertThrows(
            IclabException.class,
            () ->
                new HubDownloader(environment(Map.of()))
                    .download(ModelId.parse("org/missing"), DownloadProgress.NONE));
    assertTrue(error.getMessage().contains("HTTP 404"), error.getMessage());
    assertTrue(error.getMessage().contains("org/missing"), error.getMessage());
    assertTrue(error.getMessage().contains("check the model id"), error.getMessage());
  }

  @Test
  void gatedModelNeedsTheTokenAsBearerHeader() throws IOException {
    IclabException error =
        assertThrows(
            IclabException.class,
            () ->
                new HubDownloader(environment(Map.of()))
                    .download(ModelId.parse("org/gated"), DownloadProgress.NONE));
    assertTrue(error.getMessage().contains("HTTP 401"), error.getMessage());
    assertTrue(error.getMessage().contains("set HF_TOKEN"), error.getMessage());

    Path snapshot =
        new HubDownloader(environment(Map.of("HF_TOKEN", TOKEN)))
            .download(ModelId.parse("org/gated"), DownloadProgress.NONE);
    assertArrayEquals(
        files.get("config.json"), Files.readAllBytes(snapshot.resolve("config.json")));
  }

  @Test
  void forbiddenFileSaysToAcceptTheConditions() {
    IclabException error =
        assertThrows(
            IclabException.class,
            () ->
                new HubDownloader(environment(Map.of()))
                    .download(ModelId.parse("org/forbidden"), DownloadProgress.NONE));
    assertTrue(error.getMessage().contains("HTTP 403"), error.getMessage());
    assertTrue(error.getMessage().contains("accept the model's conditions"), error.getMessage());
  }

  @Test
  void unreachableHubIsANetworkError() throws IOException {
    int port;
    // A port that was just free: connecting to it is refused.
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    HubEnvironment environment = environment(Map.of("HF_ENDPOINT", "http://127.0.0.1:" + port));
    IclabException error =
        assertThrows(
            IclabException.class,
            () ->
                new HubDownloader(environment)
                    .download(ModelId.parse("org/tiny"), DownloadProgress.NONE));
    assertTrue(error.getMessage().contains("network failure"), error.getMessage());
    assertTrue(error.getMessage().contains("127.0.0.1:" + port), error.getMessage());
  }

  @Test
  void locatorDownloadsOnlyWhatIsMissing() {
    HubEnvironment environment = environment(Map.of());
    ModelLocator locator = new ModelLocator(environment);
    HubDownloader downloader = new HubDownloader(environment);
    Path snapshot = locator.resolveOrDownload("org/tiny", downloader, DownloadProgress.NONE);
    assertEquals(snapshot("models--org--tiny"), snapshot);
    requests.clear();
    assertEquals(
        snapshot, locator.resolveOrDownload("org/tiny", downloader, DownloadProgress.NONE));
    assertEquals(List.of(), requests, "a cached model needs no request");
  }

  // ---- the stub hub ----

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String range = exchange.getRequestHeaders().getFirst("Range");
    requests.add(
        exchange.getRequestMethod() + " " + path + (range == null ? "" : " range=" + range));
    String repo = repoOf(path);
    if (repo != null
        && repo.equals("org/gated")
        && !("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
      send(exchange, 401, "{\"error\": \"gated\"}".getBytes(StandardCharsets.UTF_8));
      return;
    }
    Matcher listing = LISTING.matcher(path);
    Matcher resolve = RESOLVE.matcher(path);
    if (listing.matches() && repo != null && !repo.equals("org/missing")) {
      String siblings =
          files.keySet().stream()
              .map(name -> "{\"rfilename\": \"" + name + "\"}")
              .collect(Collectors.joining(", "));
      String json = "{\"sha\": \"" + COMMIT + "\", \"siblings\": [" + siblings + "]}";
      send(exchange, 200, json.getBytes(StandardCharsets.UTF_8));
    } else if (resolve.matches() && repo.equals("org/forbidden")) {
      send(exchange, 403, new byte[0]);
    } else if (resolve.matches() && resolve.group(3).equals("model.safetensors")) {
      // Large files live on another path, as the hub redirects them to its storage.
      exchange.getResponseHeaders().set("Location", "/cdn/" + resolve.group(3));
      send(exchange, 302, new byte[0]);
    } else if (resolve.matches() && files.containsKey(resolve.group(3))) {
      sendFile(exchange, files.get(resolve.group(3)), range, false);
    } else if (path.startsWith("/cdn/") && files.containsKey(path.substring(5))) {
      sendFile(exchange, files.get(path.substring(5)), range, true);
    } else {
      send(exchange, 404, "{\"error\": \"not found\"}".getBytes(StandardCharsets.UTF_8));
    }
  }

  private static String repoOf(String path) {
    Matcher listing = LISTING.matcher(path);
    if (listing.matches()) {
      return listing.group(1);
    }
    Matcher resolve = RESOLVE.matcher(path);
    return resolve.matches() ? resolve.group(1) : null;
  }

  private void sendFile(HttpExchange exchange, byte[] content, String range, boolean mayCut)
      throws IOException {
    int start = range == null ? 0 : Integer.parseInt(range.replaceAll("bytes=(\\d+)-", "$1"));
    if (start > 0) {
      exchange
          .getResponseHeaders()
          .set(
              "Content-Range",
              "bytes %d-%d/%d".formatted(start, content.length - 1, content.length));
    }
    int status = start > 0 ? 206 : 200;
    int length = content.length - start;
    if (mayCut && transfersToCut.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      // Promise the whole file, send half, drop the connection: a network failure mid-file.
      exchange.sendResponseHeaders(status, length);
      OutputStream body = exchange.getResponseBody();
      body.write(content, start, length / 2);
      body.flush();
      // Closing with fewer bytes than promised makes the server drop the connection.
      exchange.close();
      return;
    }
    exchange.sendResponseHeaders(status, length);
    try (OutputStream body = exchange.getResponseBody()) {
      body.write(content, start, length);
    }
  }

  private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
