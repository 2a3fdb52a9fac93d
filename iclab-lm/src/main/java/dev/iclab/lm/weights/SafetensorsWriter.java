package dev.iclab.lm.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes safetensors files (and sharded checkpoints with their index) from FP32 values, narrowed to
 * F16 or BF16 on request. Files are written to a temporary name and moved into place, so a reader
 * never sees half a file.
 */
public final class SafetensorsWriter {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SafetensorsWriter() {}

  /** A tensor to write: FP32 values in row-major order. */
  public record Tensor(long[] shape, float[] values) {
    public Tensor {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      if (n != values.length) {
        throw new IllegalArgumentException(
            "shape "
                + java.util.Arrays.toString(shape)
                + " needs "
                + n
                + " values, got "
                + values.length);
      }
      shape = shape.clone();
    }
  }

  /** Writes one file with every tensor stored as {@code dtype} (F32, F16 or BF16). */
  public static void write(
      Path file, Map<String, Tensor> tensors, DType dtype, Map<String, String> metadata) {
    if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
      throw new IllegalArgumentException("can write F32, F16 or BF16, not " + dtype);
    }
    ObjectNode header = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      long bytes = (long) e.getValue().values().length * dtype.bytes();
      ObjectNode entry = header.putObject(e.getKey());
      entry.put("dtype", dtype.name());
      var shape = entry.putArray("shape");
      for (long d : e.getValue().shape()) {
        shape.add(d);
      }
      entry.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    byte[] json;
    try {
      json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int padded = (json.length + 7) / 8 * 8; // data section 8-byte aligned, padded with spaces
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    try (OutputStream out = Files.newOutputStream(temporary)) {
      ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
      out.write(length.array());
      out.write(json);
      for (int i = json.length; i < padded; i++) {
        out.write(' ');
      }
      for (Tensor tensor : tensors.values()) {
        out.write(encode(tensor.values(), dtype));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    try {
      Files.move(
          temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot move " + temporary + " to " + file, e);
    }
  }

  private static byte[] encode(float[] values, DType dtype) {
    ByteBuffer buffer =
        ByteBuffer.allocate(values.length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      switch (dtype) {
        case F32 -> buffer.putFloat(v);
        case F16 -> buffer.putShort(HalfFloats.floatToF16(v));
        default -> buffer.putShort(HalfFloats.floatToBf16(v));
      }
    }
    return buffer.array();
  }

  /**
   * Writes a checkpoint split into shards of at most {@code maxShardBytes} (a tensor is never
   * split), named {@code model-0000i-of-0000n.safetensors}, plus {@code
   * model.safetensors.index.json}.
   *
   * @return the shard paths
   */
  public static List<Path> writeSharded(
      Path directory, Map<String, Tensor> tensors, DType dtype, long maxShardBytes) {
    List<Map<String, Tensor>> shards = new ArrayList<>();
    Map<String, Tensor> current = new LinkedHashMap<>();
    long size = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      long bytes = (long) e.getValue().values().length * dtype.bytes();
      if (!current.isEmpty() && size + bytes > maxShardBytes) {
        shards.add(current);
        current = new LinkedHashMap<>();
        size = 0;
      }
      current.put(e.getKey(), e.getValue());
      size += bytes;
    }
    if (!current.isEmpty()) {
      shards.add(current);
    }
    ObjectNode index = JSON.createObjectNode();
    ObjectNode weightMap = JSON.createObjectNode();
    long total = 0;
    List<Path> paths = new ArrayList<>();
    for (int i = 0; i < shards.size(); i++) {
      String name = "model-%05d-of-%05d.safetensors".formatted(i + 1, shards.size());
      Path path = directory.resolve(name);
      write(path, shards.get(i), dtype, Map.of("format", "pt"));
      paths.add(path);
      for (Map.Entry<String, Tensor> e : shards.get(i).entrySet()) {
        weightMap.put(e.getKey(), name);
        total += (long) e.getValue().values().length * dtype.bytes();
      }
    }
    index.putObject("metadata").put("total_size", total);
    index.set("weight_map", weightMap);
    try {
      Path temporary = directory.resolve(Checkpoint.INDEX_FILE + ".tmp");
      JSON.writerWithDefaultPrettyPrinter().writeValue(temporary.toFile(), index);
      Files.move(
          temporary,
          directory.resolve(Checkpoint.INDEX_FILE),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return paths;
  }
}
