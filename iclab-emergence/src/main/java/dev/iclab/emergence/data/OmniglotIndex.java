package dev.iclab.emergence.data;

import dev.iclab.IclabException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The file layout of an Omniglot folder (see FORMAT.txt there): {@code
 * images_{background,evaluation}/<Alphabet>/characterNN/IIII_DD.png}. Characters are ordered by the
 * global id IIII (class = IIII - 1), drawings by DD.
 *
 * @param characters every character in id order, each with its drawings' paths in DD order
 */
public record OmniglotIndex(Path root, List<Character> characters) {
  private static final Pattern FILE = Pattern.compile("(\\d{4})_(\\d{2})\\.png");
  private static final List<String> SETS = List.of("images_background", "images_evaluation");

  /** One character (a class before augmentation). */
  public record Character(int id, String set, String alphabet, List<Path> drawings) {}

  public OmniglotIndex {
    characters = List.copyOf(characters);
  }

  /**
   * Scans the folder (no image is decoded here).
   *
   * @throws IclabException if the folder or both image sets are missing, or a PNG is misnamed
   */
  public static OmniglotIndex scan(Path root) {
    if (!Files.isDirectory(root)) {
      throw new IclabException(
          "Omniglot folder %s does not exist; point --omniglot-dir at a folder holding images_background/ and images_evaluation/ (e.g. ../shared/data/omniglot)"
              .formatted(root.toAbsolutePath()));
    }
    Map<Integer, String> setOf = new TreeMap<>();
    Map<Integer, String> alphabetOf = new TreeMap<>();
    Map<Integer, Map<Integer, Path>> drawingsOf = new TreeMap<>();
    boolean anySet = false;
    for (String set : SETS) {
      Path dir = root.resolve(set);
      if (!Files.isDirectory(dir)) {
        continue;
      }
      anySet = true;
      try (Stream<Path> files = Files.walk(dir, 3)) {
        for (Path png :
            (Iterable<Path>) files.filter(p -> p.toString().endsWith(".png"))::iterator) {
          Matcher m = FILE.matcher(png.getFileName().toString());
          if (!m.matches() || dir.relativize(png).getNameCount() != 3) {
            throw new IclabException(
                "unexpected Omniglot file %s; expected %s/<Alphabet>/characterNN/IIII_DD.png (see FORMAT.txt)"
                    .formatted(png, set));
          }
          int id = Integer.parseInt(m.group(1));
          setOf.put(id, set);
          alphabetOf.put(id, dir.relativize(png).getName(0).toString());
          drawingsOf
              .computeIfAbsent(id, k -> new TreeMap<>())
              .put(Integer.parseInt(m.group(2)), png);
        }
      } catch (IOException e) {
        throw new IclabException(
            "cannot list %s: %s; check the folder's permissions".formatted(dir, e.getMessage()), e);
      }
    }
    if (!anySet) {
      throw new IclabException(
          "%s holds neither images_background/ nor images_evaluation/; it is not an Omniglot folder (see FORMAT.txt)"
              .formatted(root.toAbsolutePath()));
    }
    List<Character> characters = new ArrayList<>();
    for (Map.Entry<Integer, Map<Integer, Path>> e : drawingsOf.entrySet()) {
      int id = e.getKey();
      characters.add(
          new Character(id, setOf.get(id), alphabetOf.get(id), List.copyOf(e.getValue().values())));
    }
    return new OmniglotIndex(root, characters);
  }

  /** Number of distinct alphabets. */
  public int alphabets() {
    return new TreeSet<>(characters.stream().map(c -> c.set() + "/" + c.alphabet()).toList())
        .size();
  }

  /** Number of images. */
  public int images() {
    return characters.stream().mapToInt(c -> c.drawings().size()).sum();
  }

  /** The characters of one set (images_background or images_evaluation). */
  public List<Character> inSet(String set) {
    return characters.stream().filter(c -> c.set().equals(set)).toList();
  }
}
