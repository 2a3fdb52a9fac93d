package dev.iclab.lm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * Damaged copies of the shared tiny checkpoints for bad-input tests: a tensor overwritten with NaN,
 * a config.json key changed. The shared originals are never touched.
 */
public final class ModelFixtures {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ModelFixtures() {}

  /** Copies {@code models/name} (files only) into {@code to}; returns {@code to}. */
  public static Path copy(String name, Path to) {
    Path from = TestModels.model(name);
    try {
      Files.createDirectories(to);
      try (var files = Files.list(from)) {
        for (Path f : files.toList()) {
          Path target = to.resolve(f.getFileName());
          Files.copy(f, target);
          target.toFile().setWritable(true);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return to;
  }

  /**
   * Overwrites every element of one F32 tensor of {@code dir/model.safetensors} with {@code value},
   * in place.
   */
  public static void fillTensor(Path dir, String tensor, float value) {
    Path file = dir.resolve("model.safetensors");
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      channel.read(length, 0);
      int headerLength = (int) length.getLong(0);
      ByteBuffer header = ByteBuffer.allocate(headerLength);
      channel.read(header, 8);
      var entry =
          JSON.readTree(new String(header.array(), StandardCharsets.UTF_8)).required(tensor);
      if (!entry.get("dtype").asText().equals("F32")) {
        throw new IllegalArgumentException(tensor + " is not F32");
      }
      long begin = entry.get("data_offsets").get(0).asLong();
      long end = entry.get("data_offsets").get(1).asLong();
      ByteBuffer values = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
      while (values.hasRemaining()) {
        values.putFloat(value);
      }
      values.flip();
      channel.write(values, 8 + headerLength + begin);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Rewrites {@code dir/config.json} after {@code edit} changed it. */
  public static void editConfig(Path dir, Consumer<ObjectNode> edit) {
    Path file = dir.resolve("config.json");
    try {
      ObjectNode config = (ObjectNode) JSON.readTree(Files.readString(file));
      edit.accept(config);
      Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
