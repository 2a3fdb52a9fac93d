package dev.iclab.lm.weights;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.lm.ModelLoadException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The weights of a model directory: {@code model.safetensors}, or the shards named by {@code
 * model.safetensors.index.json}. Tensors are read by their Hugging Face names and widened to FP32.
 */
public final class Checkpoint implements AutoCloseable {
  public static final String SINGLE_FILE = "model.safetensors";
  public static final String INDEX_FILE = "model.safetensors.index.json";

  private final Path directory;
  private final List<SafetensorsFile> files;
  private final Map<String, SafetensorsFile> fileOf;
  private final boolean ownedMemory;

  /** Stored bytes read at a time when widening a half-precision or F64 tensor. */
  private static final int WIDEN_CHUNK_BYTES = 8 << 20;

  private Checkpoint(Path directory, List<SafetensorsFile> files, boolean ownedMemory) {
    this.directory = directory;
    this.ownedMemory = ownedMemory;
    this.files = List.copyOf(files);
    Map<String, SafetensorsFile> map = new LinkedHashMap<>();
    for (SafetensorsFile file : files) {
      for (String name : file.entries().keySet()) {
        SafetensorsFile previous = map.put(name, file);
        if (previous != null) {
          throw new ModelLoadException(
              "tensor '%s' appears in both %s and %s; the checkpoint is inconsistent"
                  .formatted(name, previous.path(), file.path()));
        }
      }
    }
    this.fileOf = Collections.unmodifiableMap(map);
  }

  /**
   * Opens the checkpoint of a model directory.
   *
   * @throws ModelLoadException when no safetensors weights are there, a shard is missing, or a file
   *     is corrupt
   */
  public static Checkpoint open(Path directory) {
    return open(directory, false);
  }

  /**
   * Opens a checkpoint whose FP32 tensors are copied into engine-owned memory when {@code
   * ownedMemory} (needed by anything that updates weights in place, e.g. training), rather than
   * backed by a read-only mapping of the file.
   */
  public static Checkpoint open(Path directory, boolean ownedMemory) {
    Path index = directory.resolve(INDEX_FILE);
    Path single = directory.resolve(SINGLE_FILE);
    List<SafetensorsFile> files = new ArrayList<>();
    try {
      if (Files.exists(index)) {
        for (Path shard : shardsOf(index)) {
          if (!Files.exists(shard)) {
            throw new ModelLoadException(
                "shard %s named in %s is missing; download every shard of the checkpoint"
                    .formatted(shard.getFileName(), index));
          }
          files.add(SafetensorsFile.open(shard));
        }
      } else if (Files.exists(single)) {
        files.add(SafetensorsFile.open(single));
      } else {
        throw new ModelLoadException(noWeightsMessage(directory));
      }
      return new Checkpoint(directory, files, ownedMemory);
    } catch (RuntimeException e) {
      files.forEach(SafetensorsFile::close);
      throw e;
    }
  }

  private static List<Path> shardsOf(Path index) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(index.toFile());
    } catch (IOException e) {
      throw new ModelLoadException(
              "cannot parse %s: %s; re-download it".formatted(index, e.getMessage()))
          .causedBy(e);
    }
    JsonNode weightMap = root == null ? null : root.get("weight_map");
    if (weightMap == null || !weightMap.isObject() || weightMap.isEmpty()) {
      throw new ModelLoadException(
          "%s has no weight_map object; it is not a safetensors shard index".formatted(index));
    }
    Set<String> names = new java.util.LinkedHashSet<>();
    weightMap.fields().forEachRemaining(f -> names.add(f.getValue().asText()));
    List<Path> shards = new ArrayList<>();
    for (String name : names) {
      Path shard = index.resolveSibling(name).normalize();
      if (!shard.getParent().equals(index.getParent().normalize())) {
        throw new ModelLoadException(
            "%s names shard '%s' outside its directory; refusing to read it"
                .formatted(index, name));
      }
      shards.add(shard);
    }
    return shards;
  }

  private static String noWeightsMessage(Path directory) {
    String found = "";
    try (var stream = Files.list(directory)) {
      List<String> names = stream.map(p -> p.getFileName().toString()).sorted().toList();
      if (names.stream().anyMatch(n -> n.endsWith(".bin") || n.endsWith(".pt"))) {
        return ("%s has PyTorch pickle weights (.bin/.pt) but no model.safetensors; iclab reads only"
                + " safetensors. Convert once in Python: model.save_pretrained(dir,"
                + " safe_serialization=True)")
            .formatted(directory);
      }
      found = " (it holds: " + String.join(", ", names) + ")";
    } catch (IOException e) {
      found = "";
    }
    return "no %s or %s in %s%s; point --model at a Hugging Face model directory"
        .formatted(SINGLE_FILE, INDEX_FILE, directory, found);
  }

  public Path directory() {
    return directory;
  }

  /** Every tensor name, sorted. */
  public Set<String> names() {
    return Collections.unmodifiableSet(new TreeMap<>(fileOf).keySet());
  }

  /** Whether a tensor is stored under this name or under an alias that the metadata declares. */
  public boolean contains(String name) {
    return fileOf.containsKey(resolve(name));
  }

  public Optional<TensorEntry> entry(String name) {
    SafetensorsFile file = fileOf.get(resolve(name));
    return file == null ? Optional.empty() : Optional.of(file.entries().get(resolve(name)));
  }

  /**
   * The stored name for {@code name}: itself, or the tensor that the {@code __metadata__} names as
   * its alias (transformers writes tied weights once, e.g. {@code "model.embed_tokens.weight":
   * "lm_head.weight"}).
   */
  private String resolve(String name) {
    if (fileOf.containsKey(name)) {
      return name;
    }
    for (SafetensorsFile file : files) {
      String alias = file.metadata().get(name);
      if (alias != null && fileOf.containsKey(alias)) {
        return alias;
      }
    }
    return name;
  }

  /** Each file's {@code __metadata__}, merged. */
  public Map<String, String> metadata() {
    Map<String, String> merged = new LinkedHashMap<>();
    files.forEach(f -> merged.putAll(f.metadata()));
    return merged;
  }

  /** The safetensors files of this checkpoint. */
  public List<Path> files() {
    return files.stream().map(SafetensorsFile::path).toList();
  }

  /**
   * Loads a tensor as FP32 into {@code manager}, checking its shape.
   *
   * <p>FP32 data is handed to the engine without a copy (a read-only mapping of the file backs the
   * array) unless the checkpoint was opened with owned memory; then, like F16, BF16 and F64, it is
   * read in chunks (not mapped) into a fresh engine-owned array, widened on the way.
   *
   * @param expectedShape the shape the architecture needs
   * @throws ModelLoadException if the tensor is missing, not floating point, or of another shape
   */
  public NDArray load(NDManager manager, String requested, long... expectedShape) {
    String name = resolve(requested);
    SafetensorsFile file = fileOf.get(name);
    if (file == null) {
      throw new ModelLoadException(
          "tensor '%s' is missing from the checkpoint in %s; the weights do not match config.json (is model_type right? is a shard missing?)"
              .formatted(name, directory));
    }
    TensorEntry entry = file.entries().get(name);
    if (!Arrays.equals(entry.shape(), expectedShape)) {
      throw new ModelLoadException(
          "tensor '%s' in %s has shape %s but config.json implies %s; the weights and config.json do not match"
              .formatted(
                  name,
                  file.path(),
                  Arrays.toString(entry.shape()),
                  Arrays.toString(expectedShape)));
    }
    NDArray array = loadAsFloat(manager, file, entry, ownedMemory);
    requireFinite(array, entry, file);
    return array;
  }

  /**
   * Fails when a weight holds NaN or an infinity: such a model computes NaN everywhere, and every
   * score, argmax or generated token after it would be garbage that looks like a result. The
   * reductions propagate NaN, so the smallest and largest element decide it in two passes.
   */
  private static void requireFinite(NDArray array, TensorEntry entry, SafetensorsFile file) {
    if (array.isEmpty()) {
      return;
    }
    float smallest;
    float largest;
    try (NDArray min = array.min();
        NDArray max = array.max()) {
      smallest = min.getFloat();
      largest = max.getFloat();
    }
    if (!Float.isFinite(smallest) || !Float.isFinite(largest)) {
      array.close();
      String what = Float.isNaN(smallest) || Float.isNaN(largest) ? "NaN" : "infinite";
      throw new ModelLoadException(
          "tensor '%s' in %s holds %s values; the checkpoint is corrupt or diverged in training: re-download it or use an earlier checkpoint"
              .formatted(entry.name(), file.path(), what));
    }
  }

  /**
   * A tensor as FP32: F32 backed by the file's mapping unless {@code owned}; otherwise copied (and
   * widened) into an engine-owned array.
   */
  private static NDArray loadAsFloat(
      NDManager manager, SafetensorsFile file, TensorEntry entry, boolean owned) {
    Shape shape = new Shape(entry.shape());
    int n = Math.toIntExact(entry.elementCount());
    if (entry.dtype() == DType.F32 && !owned) {
      return manager.create(file.bytes(entry), shape, DataType.FLOAT32);
    }
    if (!entry.dtype().isLoadableAsFloat()) {
      throw new ModelLoadException(
          "tensor '%s' in %s has dtype %s, which cannot hold weights (F32, F16, BF16 or F64 expected); quantised checkpoints are not supported"
              .formatted(entry.name(), file.path(), entry.dtype()));
    }
    // Widen straight into the engine's own memory: an empty FP32 array, written through a direct
    // view of its storage (PyTorch hands one out for a contiguous CPU array). A Java direct buffer
    // handed to the engine instead would be freed only when the garbage collector collects it, so
    // a model that closes weights after loading (QLoRA quantises them) would keep the memory.
    // Another device's array is filled on the CPU first (its view would be a copy) and moved.
    boolean onCpu = manager.getDevice().equals(Device.cpu());
    NDManager host = onCpu ? manager : NDManager.newBaseManager(Device.cpu());
    NDArray array = host.create(shape, DataType.FLOAT32);
    FloatBuffer out = array.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer();
    // The stored values are read in chunks rather than mapped: a mapping would keep the file's
    // pages resident until the garbage collector dropped it (the whole file, for a large model).
    int width = entry.dtype() == DType.F64 ? 8 : entry.dtype() == DType.F32 ? 4 : 2;
    ByteBuffer chunk =
        ByteBuffer.allocate((int) Math.min(entry.byteSize(), WIDEN_CHUNK_BYTES))
            .order(ByteOrder.LITTLE_ENDIAN);
    for (int done = 0; done < n; ) {
      int count = Math.min(n - done, chunk.capacity() / width);
      chunk.clear().limit(count * width);
      file.read(entry, (long) done * width, chunk);
      if (entry.dtype() == DType.F32) {
        out.put(done, chunk.flip().asFloatBuffer(), 0, count);
      } else {
        for (int i = 0; i < count; i++) {
          out.put(done + i, widen(entry.dtype(), chunk, i));
        }
      }
      done += count;
    }
    if (onCpu) {
      return array;
    }
    try (host) {
      NDArray moved = array.toDevice(manager.getDevice(), true);
      moved.attach(manager);
      return moved;
    }
  }

  private static float widen(DType dtype, ByteBuffer bytes, int i) {
    return switch (dtype) {
      case F16 -> HalfFloats.f16ToFloat(bytes.getShort(2 * i));
      case BF16 -> HalfFloats.bf16ToFloat(bytes.getShort(2 * i));
      default -> (float) bytes.getDouble(8 * i);
    };
  }

  @Override
  public void close() {
    files.forEach(SafetensorsFile::close);
  }
}
