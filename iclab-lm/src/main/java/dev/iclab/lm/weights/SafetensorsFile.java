package dev.iclab.lm.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.lm.ModelLoadException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated, memory-mapped safetensors file.
 *
 * <p>Layout: 8-byte little-endian header length N, N bytes of JSON ({@code name -> {dtype, shape,
 * data_offsets}} plus optional {@code __metadata__}), then the data section. Every entry is checked
 * on open: known dtype, offsets inside the data section, size = elements x dtype size, no two
 * tensors overlapping. Tensors are mapped one by one, so files over 2 GiB work. Mappings are
 * read-only: an array created on one must be copied before anything updates it in place.
 */
public final class SafetensorsFile implements AutoCloseable {
  /** Headers beyond this are not plausible and are reported as corruption. */
  private static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path path;
  private final FileChannel channel;
  private final long dataStart;
  private final Map<String, TensorEntry> entries;
  private final Map<String, String> metadata;

  private SafetensorsFile(
      Path path,
      FileChannel channel,
      long dataStart,
      Map<String, TensorEntry> entries,
      Map<String, String> metadata) {
    this.path = path;
    this.channel = channel;
    this.dataStart = dataStart;
    this.entries = entries;
    this.metadata = metadata;
  }

  /**
   * Opens and validates a file.
   *
   * @throws ModelLoadException if the file is missing, truncated or its header is inconsistent
   */
  public static SafetensorsFile open(Path path) {
    FileChannel channel;
    try {
      channel = FileChannel.open(path, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new ModelLoadException(
              "safetensors file %s does not exist; check the model directory".formatted(path))
          .causedBy(e);
    } catch (IOException e) {
      throw new ModelLoadException("cannot open %s: %s".formatted(path, e.getMessage()))
          .causedBy(e);
    }
    try {
      return read(path, channel);
    } catch (RuntimeException | IOException e) {
      try {
        channel.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      if (e instanceof ModelLoadException m) {
        throw m;
      }
      throw new ModelLoadException("cannot read %s: %s".formatted(path, e.getMessage()))
          .causedBy(e);
    }
  }

  private static SafetensorsFile read(Path path, FileChannel channel) throws IOException {
    long fileSize = channel.size();
    if (fileSize < 8) {
      throw corrupt(
          path, "it has %d bytes, fewer than the 8-byte header length".formatted(fileSize));
    }
    ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    readFully(channel, lengthBytes, 0);
    long headerLength = lengthBytes.getLong(0);
    if (headerLength < 2 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > fileSize) {
      throw corrupt(
          path,
          "its header length %d does not fit in the file of %d bytes (truncated download?)"
              .formatted(headerLength, fileSize));
    }
    ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
    readFully(channel, headerBytes, 8);
    JsonNode header;
    try {
      header = JSON.readTree(new String(headerBytes.array(), StandardCharsets.UTF_8).trim());
    } catch (JsonProcessingException e) {
      throw corrupt(path, "its JSON header does not parse: " + e.getOriginalMessage());
    }
    if (header == null || !header.isObject()) {
      throw corrupt(path, "its header is not a JSON object");
    }
    long dataStart = 8 + headerLength;
    long dataSize = fileSize - dataStart;
    Map<String, TensorEntry> entries = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (field.getKey().equals("__metadata__")) {
        field
            .getValue()
            .fields()
            .forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
        continue;
      }
      TensorEntry entry = parseEntry(path, field.getKey(), field.getValue(), dataSize);
      entries.put(entry.name(), entry);
    }
    checkNoOverlap(path, entries.values());
    return new SafetensorsFile(
        path, channel, dataStart, Collections.unmodifiableMap(entries), Map.copyOf(metadata));
  }

  private static TensorEntry parseEntry(Path path, String name, JsonNode node, long dataSize) {
    JsonNode dtype = node.get("dtype");
    JsonNode shape = node.get("shape");
    JsonNode offsets = node.get("data_offsets");
    if (dtype == null
        || shape == null
        || offsets == null
        || !shape.isArray()
        || offsets.size() != 2) {
      throw corrupt(
          path, "tensor '%s' lacks dtype, shape or a 2-element data_offsets".formatted(name));
    }
    DType type = DType.parse(dtype.asText(), path, name);
    long[] dims = new long[shape.size()];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = shape.get(i).asLong(-1);
      if (dims[i] < 0) {
        throw corrupt(path, "tensor '%s' has a negative or non-integer dimension".formatted(name));
      }
    }
    long begin = offsets.get(0).asLong(-1);
    long end = offsets.get(1).asLong(-1);
    if (begin < 0 || end < begin || end > dataSize) {
      throw corrupt(
          path,
          "tensor '%s' has data_offsets [%d, %d] outside the data section of %d bytes (truncated file?)"
              .formatted(name, begin, end, dataSize));
    }
    TensorEntry entry = new TensorEntry(name, type, dims, begin, end);
    if (entry.elementCount() * type.bytes() != entry.byteSize()) {
      throw corrupt(
          path,
          "tensor '%s' has %d bytes but shape %s of %s needs %d"
              .formatted(
                  name,
                  entry.byteSize(),
                  java.util.Arrays.toString(dims),
                  type,
                  entry.elementCount() * type.bytes()));
    }
    return entry;
  }

  private static void checkNoOverlap(Path path, Iterable<TensorEntry> entries) {
    List<TensorEntry> sorted = new ArrayList<>();
    entries.forEach(sorted::add);
    sorted.sort(Comparator.comparingLong(TensorEntry::begin).thenComparingLong(TensorEntry::end));
    TensorEntry previous = null;
    for (TensorEntry entry : sorted) {
      if (entry.byteSize() == 0) {
        continue;
      }
      if (previous != null && entry.begin() < previous.end()) {
        throw corrupt(
            path,
            "tensors '%s' [%d, %d) and '%s' [%d, %d) overlap"
                .formatted(
                    previous.name(),
                    previous.begin(),
                    previous.end(),
                    entry.name(),
                    entry.begin(),
                    entry.end()));
      }
      previous = entry;
    }
  }

  private static ModelLoadException corrupt(Path path, String what) {
    return new ModelLoadException(
        "safetensors file %s is corrupt: %s; re-download or re-export the checkpoint"
            .formatted(path, what));
  }

  private static void readFully(FileChannel channel, ByteBuffer buffer, long position)
      throws IOException {
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer, position + buffer.position());
      if (n < 0) {
        throw new IOException("unexpected end of file");
      }
    }
  }

  public Path path() {
    return path;
  }

  /** Tensor entries by name, in header order. */
  public Map<String, TensorEntry> entries() {
    return entries;
  }

  /** The {@code __metadata__} map (empty when absent). */
  public Map<String, String> metadata() {
    return metadata;
  }

  /**
   * Maps a tensor's bytes (little-endian, read-only). The buffer stays valid after {@link
   * #close()}; it is unmapped when no longer referenced.
   */
  public ByteBuffer bytes(TensorEntry entry) {
    if (entry.byteSize() > Integer.MAX_VALUE) {
      throw new ModelLoadException(
          "tensor '%s' in %s has %d bytes; single tensors over 2 GiB are not supported"
              .formatted(entry.name(), path, entry.byteSize()));
    }
    try {
      return channel
          .map(FileChannel.MapMode.READ_ONLY, dataStart + entry.begin(), entry.byteSize())
          .order(ByteOrder.LITTLE_ENDIAN);
    } catch (IOException e) {
      throw new ModelLoadException(
              "cannot map tensor '%s' of %s: %s".formatted(entry.name(), path, e.getMessage()))
          .causedBy(e);
    }
  }

  /**
   * Reads bytes of a tensor's data, from byte {@code offset} of the tensor, into {@code into} (as
   * many as it has room for). Unlike {@link #bytes}, nothing stays mapped afterwards: a mapping
   * keeps the file's pages in the process's resident memory until the garbage collector drops it.
   */
  public void read(TensorEntry entry, long offset, ByteBuffer into) {
    if (offset < 0 || offset + into.remaining() > entry.byteSize()) {
      throw new IllegalArgumentException(
          "bytes %d..%d outside tensor '%s' of %d bytes"
              .formatted(offset, offset + into.remaining(), entry.name(), entry.byteSize()));
    }
    try {
      readFully(channel, into, dataStart + entry.begin() + offset - into.position());
    } catch (IOException e) {
      throw new ModelLoadException(
              "cannot read tensor '%s' of %s: %s".formatted(entry.name(), path, e.getMessage()))
          .causedBy(e);
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      throw new ModelLoadException("cannot close %s: %s".formatted(path, e.getMessage()))
          .causedBy(e);
    }
  }
}
