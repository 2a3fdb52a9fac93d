package dev.iclab.emergence.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.IclabException;
import dev.iclab.tensor.SharedAssets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OmniglotTest {
  private static Path root;
  private static OmniglotIndex index;

  /** Scanned once, in each test (not in @BeforeAll) so that a missing asset skips per test. */
  @BeforeEach
  void scan() {
    if (index == null) {
      root = SharedAssets.requireShared("data/omniglot");
      index = OmniglotIndex.scan(root);
    }
  }

  /** "<set>/... 30 alphabets, 964 characters, 19,280 images" lines of FORMAT.txt. */
  @Test
  void countsMatchFormatTxt() throws Exception {
    Pattern line =
        Pattern.compile(
            "^\\s*(images_background|images_evaluation|total)\\S*\\s+(\\d+) alphabets, ([\\d,]+) characters, ([\\d,]+) images");
    int checked = 0;
    for (String text : Files.readAllLines(root.resolve("FORMAT.txt"))) {
      Matcher m = line.matcher(text);
      if (!m.find()) {
        continue;
      }
      List<OmniglotIndex.Character> chars =
          m.group(1).equals("total") ? index.characters() : index.inSet(m.group(1));
      long alphabets = chars.stream().map(c -> c.set() + "/" + c.alphabet()).distinct().count();
      assertEquals(Integer.parseInt(m.group(2)), alphabets, m.group(1) + " alphabets");
      assertEquals(number(m.group(3)), chars.size(), m.group(1) + " characters");
      assertEquals(
          number(m.group(4)),
          chars.stream().mapToInt(c -> c.drawings().size()).sum(),
          m.group(1) + " images");
      checked++;
    }
    assertEquals(3, checked, "FORMAT.txt count lines found");
    assertTrue(index.characters().stream().allMatch(c -> c.drawings().size() == 20));
    assertEquals(1, index.characters().get(0).id());
    assertEquals(1623, index.characters().get(1622).id());
  }

  private static int number(String s) {
    return Integer.parseInt(s.replace(",", ""));
  }

  @Test
  void augmentationMultipliesClassesByEightWithRealTransforms() {
    // The first 30 characters keep the test light: 20 training characters, 10 holdout.
    OmniglotIndex first30 = new OmniglotIndex(root, index.characters().subList(0, 30));
    int holdout = 10;
    OmniglotItems plain = new OmniglotItems(first30, 15, false, 20, holdout, 0, 0);
    OmniglotItems augmented = new OmniglotItems(first30, 15, true, 160, holdout, 0, 0);
    assertEquals(20, plain.trainClasses());
    assertEquals(20 * OmniglotItems.AUGMENTATIONS, augmented.trainClasses());
    int side = 15;
    int n = side * side;
    float[][] t = new float[8][n];
    for (int k = 0; k < 8; k++) {
      augmented.item(3 + 20 * k, false, 42, t[k], 0);
    }
    float[] original = new float[n];
    plain.item(3, false, 42, original, 0);
    assertArrayEquals(original, t[0], 0f, "class c < base is the unaugmented character");
    Set<String> distinct = new HashSet<>();
    for (float[] x : t) {
      distinct.add(Arrays.toString(x));
    }
    assertEquals(8, distinct.size(), "the 8 transforms of an asymmetric character differ");
    for (int i = 0; i < n; i++) {
      int r = i / side;
      int c = i % side;
      assertEquals(original[n - 1 - i], t[2][i], 0f, "180 degrees reverses the pixels");
      assertEquals(t[1][(side - 1 - r) * side + side - 1 - c], t[3][i], 0f, "270 = 90 + 180");
      assertEquals(original[r * side + side - 1 - c], t[4][i], 0f, "flip mirrors each row");
    }
    float ink = 0;
    for (float v : original) {
      assertTrue(v >= 0 && v <= 1, "ink fraction " + v);
      ink += v;
    }
    assertTrue(ink / n > 0.02 && ink / n < 0.4, "mean ink " + ink / n);
    IclabException tooMany =
        assertThrows(
            IclabException.class, () -> new OmniglotItems(first30, 15, false, 21, holdout, 0, 0));
    assertTrue(tooMany.getMessage().contains("--classes 21 exceeds"), tooMany.getMessage());
  }

  @Test
  void holdoutCharactersAreTheLastOnesAndNeverTrainingClasses() {
    OmniglotIndex first18 = new OmniglotIndex(root, index.characters().subList(0, 18));
    OmniglotItems items = new OmniglotItems(first18, 10, true, 8 * 13, 5, 0, 0);
    float[] held = new float[100];
    float[] train = new float[100];
    for (int h = 0; h < 5; h++) {
      items.item(h, true, 1, held, 0);
      for (int c = 0; c < items.trainClasses(); c++) {
        items.item(c, false, 1, train, 0);
        assertFalse(Arrays.equals(held, train), "holdout " + h + " equals training class " + c);
      }
    }
  }

  @Test
  void missingFolderIsAClearError(@TempDir Path dir) {
    IclabException missing =
        assertThrows(IclabException.class, () -> OmniglotIndex.scan(dir.resolve("nope")));
    assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
    assertTrue(missing.getMessage().contains("--omniglot-dir"), missing.getMessage());
    IclabException empty = assertThrows(IclabException.class, () -> OmniglotIndex.scan(dir));
    assertTrue(empty.getMessage().contains("not an Omniglot folder"), empty.getMessage());
  }

  @Test
  void unreadableImageNamesTheFile(@TempDir Path dir) throws Exception {
    Path character = dir.resolve("images_background/Test/character01");
    Files.createDirectories(character);
    for (int d = 1; d <= 2; d++) {
      Files.copy(
          index.characters().get(0).drawings().get(d - 1),
          character.resolve("0001_0%d.png".formatted(d)));
    }
    Path broken = dir.resolve("images_background/Test/character02/0002_01.png");
    Files.createDirectories(broken.getParent());
    Files.writeString(broken, "not a png");
    OmniglotIndex small = OmniglotIndex.scan(dir);
    assertEquals(2, small.characters().size());
    IclabException e =
        assertThrows(IclabException.class, () -> new OmniglotItems(small, 10, false, 1, 1, 0, 0));
    assertTrue(e.getMessage().contains("0002_01.png"), e.getMessage());
    assertTrue(e.getMessage().contains("not a readable image"), e.getMessage());
    Path misnamed = dir.resolve("images_background/Test/character01/drawing.png");
    Files.writeString(misnamed, "x");
    IclabException named = assertThrows(IclabException.class, () -> OmniglotIndex.scan(dir));
    assertTrue(named.getMessage().contains("drawing.png"), named.getMessage());
  }
}
