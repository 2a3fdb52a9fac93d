package dev.iclab.lm.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.IclabException;
import org.junit.jupiter.api.Test;

class ModelIdTest {
  @Test
  void parsesNameOrgAndRevision() {
    assertEquals(new ModelId("gpt2", "main"), ModelId.parse("gpt2"));
    assertEquals(new ModelId("org/name", "v1.0"), ModelId.parse("org/name@v1.0"));
    assertEquals("models--org--name", ModelId.parse("org/name").cacheFolderName());
    assertTrue(ModelId.parse("gpt2@" + "0123456789abcdef".repeat(2) + "01234567").isCommit());
    assertFalse(ModelId.parse("gpt2").isCommit());
  }

  @Test
  void rejectsWhatHuggingFaceHubRejects() {
    for (String bad : new String[] {"a/b/c", "a--b", "a..b", "", "org/", "name@", "x@../y"}) {
      assertThrows(IclabException.class, () -> ModelId.parse(bad), bad);
    }
  }
}
