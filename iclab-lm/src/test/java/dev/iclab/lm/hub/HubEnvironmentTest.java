package dev.iclab.lm.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.IclabException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HubEnvironmentTest {
  @Test
  void defaultsAndOverrides() {
    Path home = Path.of("/home/user");
    HubEnvironment none = new HubEnvironment(Map.of(), home);
    assertEquals(home.resolve(".cache/huggingface/hub"), none.hubCache());
    assertEquals(URI.create("https://huggingface.co"), none.endpoint());
    assertTrue(none.token().isEmpty());
    HubEnvironment set =
        new HubEnvironment(
            Map.of(
                "HF_HUB_CACHE", "~/hub",
                "HF_HOME", "/ignored",
                "HF_ENDPOINT", "http://127.0.0.1:8080/",
                "HF_TOKEN", "secret"),
            home);
    assertEquals(home.resolve("hub"), set.hubCache());
    assertEquals(URI.create("http://127.0.0.1:8080"), set.endpoint());
    assertEquals("secret", set.token().orElseThrow());
    assertEquals(Path.of("/hf/hub"), new HubEnvironment(Map.of("HF_HOME", "/hf"), home).hubCache());
  }

  @Test
  void anEndpointThatIsNotAUrlIsNamed() {
    Path home = Path.of("/home/me");
    for (String bad : List.of("::not a url::", "ftp://hub.example", "hub.example")) {
      IclabException e =
          assertThrows(
              IclabException.class,
              () -> new HubEnvironment(Map.of("HF_ENDPOINT", bad), home).endpoint());
      assertTrue(e.getMessage().contains("HF_ENDPOINT is '" + bad + "'"), e.getMessage());
    }
    assertEquals(
        URI.create("http://127.0.0.1:8080"),
        new HubEnvironment(Map.of("HF_ENDPOINT", "http://127.0.0.1:8080/"), home).endpoint());
  }
}
