package dev.iclab.icl.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.IclabException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The append-only samples.jsonl. Lines are written whole and synced to disk every {@link
 * #SYNC_EVERY} lines and on close, so a killed run loses at most the unsynced tail. On resume a
 * torn last line (no newline) is truncated and the keys of the complete lines are read, so nothing
 * is lost or duplicated.
 */
public final class SamplesFile implements AutoCloseable {
  static final int SYNC_EVERY = 32;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final FileChannel channel;
  private final Set<String> done = new HashSet<>();
  private int unsynced;

  private SamplesFile(FileChannel channel) {
    this.channel = channel;
  }

  /** Opens for appending; with {@code resume}, first repairs the tail and reads the keys. */
  public static SamplesFile open(Path file, boolean resume) {
    try {
      FileChannel channel =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
      SamplesFile samples = new SamplesFile(channel);
      if (resume) {
        samples.recover(file);
      } else {
        channel.truncate(0);
      }
      channel.position(channel.size());
      return samples;
    } catch (IOException e) {
      throw new IclabException("cannot open %s: %s".formatted(file, e.getMessage()), e);
    }
  }

  private void recover(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    int end = bytes.length;
    while (end > 0 && bytes[end - 1] != '\n') {
      end--;
    }
    channel.truncate(end);
    String text = new String(bytes, 0, end, StandardCharsets.UTF_8);
    int lineNumber = 0;
    for (String line : text.split("\n")) {
      lineNumber++;
      if (line.isEmpty()) {
        continue;
      }
      JsonNode node;
      try {
        node = JSON.readTree(line);
      } catch (IOException e) {
        throw new IclabException(
            "%s line %d is not JSON, so the run cannot resume safely; start a new --out"
                .formatted(file, lineNumber));
      }
      done.add(key(node.path("setting").asText(), node.path("id").asText()));
    }
  }

  static String key(String setting, String id) {
    return setting + "\u0000" + id;
  }

  /** Whether a sample of {@code setting} for example {@code id} is already in the file. */
  public boolean contains(String setting, String id) {
    return done.contains(key(setting, id));
  }

  public int size() {
    return done.size();
  }

  /** Appends the lines of one query (already JSON, one object each) as one write. */
  public void append(List<JsonNode> samples) {
    try {
      StringBuilder text = new StringBuilder();
      for (JsonNode sample : samples) {
        text.append(JSON.writeValueAsString(sample)).append('\n');
        done.add(key(sample.path("setting").asText(), sample.path("id").asText()));
      }
      ByteBuffer buffer = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      unsynced += samples.size();
      if (unsynced >= SYNC_EVERY) {
        channel.force(false);
        unsynced = 0;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      channel.force(false);
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
