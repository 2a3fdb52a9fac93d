package dev.iclab.icl.embed;

import dev.iclab.data.Dataset;
import dev.iclab.data.Example;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Embeddings of a training pool, computed once and kept on disk under {@code dir}: one file per
 * (encoder, pool content), named by the SHA-256 of the pool's ids and texts, so a changed file,
 * split or field mapping gets a new entry. Format: int rows, int dims, then rows x dims floats
 * (big-endian).
 */
public final class EmbeddingCache {
  private final Path dir;

  public EmbeddingCache(Path dir) {
    this.dir = dir;
  }

  /** {@code $ICLAB_CACHE_DIR/embeddings}, else {@code ~/.cache/iclab/embeddings}. */
  public static EmbeddingCache standard() {
    return new EmbeddingCache(cacheRoot().resolve("embeddings"));
  }

  /** {@code $ICLAB_CACHE_DIR} (or {@code -Diclab.cacheDir}), else {@code ~/.cache/iclab}. */
  static Path cacheRoot() {
    String root = System.getProperty("iclab.cacheDir", System.getenv("ICLAB_CACHE_DIR"));
    return root == null || root.isBlank()
        ? Path.of(System.getProperty("user.home"), ".cache", "iclab")
        : Path.of(root);
  }

  /** The pool's embeddings, from the cache or computed (and then stored). */
  public float[][] embeddings(Dataset pool, SentenceEncoder encoder) {
    Path file = dir.resolve(encoder.name() + "-" + fingerprint(pool) + ".f32");
    if (Files.exists(file)) {
      float[][] cached = read(file);
      if (cached.length == pool.size()) {
        return cached;
      }
    }
    float[][] vectors = encoder.embed(pool.examples().stream().map(Example::text).toList());
    write(file, vectors);
    return vectors;
  }

  static String fingerprint(Dataset pool) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (Example e : pool.examples()) {
        digest.update(e.id().getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(e.text().getBytes(StandardCharsets.UTF_8));
        digest.update((byte) '\n');
      }
      return HexFormat.of().formatHex(digest.digest()).substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  private static float[][] read(Path file) {
    try (DataInputStream in =
        new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file)))) {
      int rows = in.readInt();
      int dims = in.readInt();
      float[][] vectors = new float[rows][dims];
      for (float[] row : vectors) {
        for (int d = 0; d < dims; d++) {
          row[d] = in.readFloat();
        }
      }
      return vectors;
    } catch (IOException e) {
      return new float[0][];
    }
  }

  private void write(Path file, float[][] vectors) {
    try {
      Files.createDirectories(dir);
      Path temp = file.resolveSibling(file.getFileName() + ".tmp");
      try (DataOutputStream out =
          new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(temp)))) {
        out.writeInt(vectors.length);
        out.writeInt(vectors.length == 0 ? 0 : vectors[0].length);
        for (float[] row : vectors) {
          for (float v : row) {
            out.writeFloat(v);
          }
        }
      }
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the embedding cache " + file, e);
    }
  }
}
