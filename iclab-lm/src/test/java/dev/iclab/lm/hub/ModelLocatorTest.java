package dev.iclab.lm.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.IclabException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelLocatorTest {
  private static final String COMMIT_A = "a".repeat(40);
  private static final String COMMIT_B = "b".repeat(40);

  @TempDir Path temp;

  private ModelLocator locator(Map<String, String> variables) {
    return new ModelLocator(new HubEnvironment(variables, temp.resolve("home")));
  }

  private Path cache() {
    return temp.resolve("cache");
  }

  private Path snapshot(String repoFolder, String commit) throws IOException {
    Path dir = cache().resolve(repoFolder).resolve("snapshots").resolve(commit);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("config.json"), "{}");
    return dir;
  }

  private static void ref(Path snapshot, String revision, String commit) throws IOException {
    Path ref = snapshot.getParent().resolveSibling("refs").resolve(revision);
    Files.createDirectories(ref.getParent());
    Files.writeString(ref, commit + "\n");
  }

  @Test
  void existingDirectoryWithConfigIsTheModel() throws IOException {
    Path model = Files.createDirectories(temp.resolve("model"));
    Files.writeString(model.resolve("config.json"), "{}");
    assertEquals(model, locator(Map.of()).resolve(model.toString()));
  }

  @Test
  void directoryWithoutConfigSaysWhatIsMissing() throws IOException {
    Path model = Files.createDirectories(temp.resolve("model"));
    IclabException error =
        assertThrows(IclabException.class, () -> locator(Map.of()).resolve(model.toString()));
    assertTrue(error.getMessage().contains("no config.json"), error.getMessage());
    assertTrue(error.getMessage().contains(model.toString()), error.getMessage());
  }

  @Test
  void refsMainPicksTheSnapshotEvenWhenAnotherIsNewer() throws IOException {
    Path a = snapshot("models--org--name", COMMIT_A);
    Path b = snapshot("models--org--name", COMMIT_B);
    Files.setLastModifiedTime(b, FileTime.from(Instant.now().plusSeconds(60)));
    ref(a, "main", COMMIT_A);
    assertEquals(a, locator(Map.of("HF_HUB_CACHE", cache().toString())).resolve("org/name"));
  }

  @Test
  void withoutRefsTheNewestSnapshotIsUsed() throws IOException {
    Path a = snapshot("models--gpt2", COMMIT_A);
    Path b = snapshot("models--gpt2", COMMIT_B);
    Files.setLastModifiedTime(a, FileTime.from(Instant.now().minusSeconds(60)));
    Files.setLastModifiedTime(b, FileTime.from(Instant.now()));
    assertEquals(b, locator(Map.of("HF_HUB_CACHE", cache().toString())).resolve("gpt2"));
  }

  @Test
  void revisionByRefOrCommit() throws IOException {
    Path a = snapshot("models--org--name", COMMIT_A);
    Path b = snapshot("models--org--name", COMMIT_B);
    ref(a, "main", COMMIT_A);
    ref(b, "v1.0", COMMIT_B);
    ModelLocator locator = locator(Map.of("HF_HUB_CACHE", cache().toString()));
    assertEquals(b, locator.resolve("org/name@v1.0"));
    assertEquals(b, locator.resolve("org/name@" + COMMIT_B));
    assertEquals(Optional.empty(), locator.findCached(new ModelId("org/name", "v2.0")));
  }

  @Test
  void cacheFolderFromHfHomeXdgOrHome() throws IOException {
    Path a = snapshot("models--gpt2", COMMIT_A);
    ModelLocator viaHfHome = locator(Map.of("HF_HOME", temp.resolve("hf").toString()));
    Path hfHomeHub = temp.resolve("hf").resolve("hub");
    Files.createDirectories(hfHomeHub);
    Files.move(cache().resolve("models--gpt2"), hfHomeHub.resolve("models--gpt2"));
    assertEquals(
        hfHomeHub.resolve("models--gpt2/snapshots").resolve(COMMIT_A), viaHfHome.resolve("gpt2"));

    Path homeHub = temp.resolve("home/.cache/huggingface/hub");
    Files.createDirectories(homeHub);
    Files.move(hfHomeHub.resolve("models--gpt2"), homeHub.resolve("models--gpt2"));
    assertEquals(
        homeHub.resolve("models--gpt2/snapshots").resolve(COMMIT_A),
        locator(Map.of()).resolve("gpt2"));
    assertEquals(
        homeHub.resolve("models--gpt2/snapshots").resolve(COMMIT_A),
        locator(Map.of("XDG_CACHE_HOME", "~/.cache")).resolve("gpt2"));
    assertTrue(Files.notExists(a));
  }

  @Test
  void missingModelListsWhereItLookedAndSuggestsDownload() {
    ModelLocator locator = locator(Map.of("HF_HUB_CACHE", cache().toString()));
    IclabException error = assertThrows(IclabException.class, () -> locator.resolve("org/absent"));
    assertTrue(
        error.getMessage().contains(cache().resolve("models--org--absent").toString()),
        error.getMessage());
    assertTrue(error.getMessage().contains("--download"), error.getMessage());
  }

  @Test
  void neitherDirectoryNorHubId() {
    IclabException error =
        assertThrows(IclabException.class, () -> locator(Map.of()).resolve("no/such/dir"));
    assertTrue(error.getMessage().contains("no/such/dir"), error.getMessage());
    assertTrue(error.getMessage().contains("neither a model directory nor a hub id"));
  }

  @Test
  void snapshotWithoutConfigIsReported() throws IOException {
    Path a = snapshot("models--gpt2", COMMIT_A);
    Files.delete(a.resolve("config.json"));
    IclabException error =
        assertThrows(
            IclabException.class,
            () -> locator(Map.of("HF_HUB_CACHE", cache().toString())).resolve("gpt2"));
    assertTrue(error.getMessage().contains(a.toString()), error.getMessage());
  }
}
