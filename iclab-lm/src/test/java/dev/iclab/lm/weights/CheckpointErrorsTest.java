package dev.iclab.lm.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.iclab.lm.ModelLoadException;
import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.TestModels;
import dev.iclab.lm.arch.UnsupportedArchitectureException;
import dev.iclab.lm.config.ConfigException;
import dev.iclab.tensor.Tensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad checkpoints fail with a message that names the file and says what to do. */
class CheckpointErrorsTest {
  @TempDir Path dir;

  private static Path copyModel(String name, Path to) throws IOException {
    Path from = TestModels.model(name);
    try (var files = Files.list(from)) {
      for (Path f : files.toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
    return to;
  }

  private static void writeRaw(Path file, String header, int dataBytes) throws IOException {
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer buffer =
        ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    buffer.putLong(json.length).put(json);
    Files.write(file, buffer.array());
  }

  private static void assertMessage(RuntimeException e, String... parts) {
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), () -> "'" + part + "' not in: " + e.getMessage());
    }
  }

  @Test
  void truncatedFile() throws IOException {
    Path file = dir.resolve("model.safetensors");
    byte[] whole =
        Files.readAllBytes(TestModels.model("synthetic/gpt2-tiny").resolve("model.safetensors"));
    Files.write(file, java.util.Arrays.copyOf(whole, whole.length / 2));
    var e = assertThrows(ModelLoadException.class, () -> SafetensorsFile.open(file));
    assertMessage(e, file.toString(), "outside the data section", "re-download");
  }

  @Test
  void tinyFile() throws IOException {
    Path file = dir.resolve("model.safetensors");
    Files.write(file, new byte[] {1, 2, 3});
    var e = assertThrows(ModelLoadException.class, () -> SafetensorsFile.open(file));
    assertMessage(e, file.toString(), "fewer than the 8-byte header");
  }

  @Test
  void headerLengthBeyondFile() throws IOException {
    Path file = dir.resolve("model.safetensors");
    ByteBuffer buffer = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000);
    Files.write(file, buffer.array());
    var e = assertThrows(ModelLoadException.class, () -> SafetensorsFile.open(file));
    assertMessage(e, file.toString(), "header length 1000", "truncated");
  }

  @Test
  void headerThatIsNotJson() throws IOException {
    Path file = dir.resolve("model.safetensors");
    writeRaw(file, "{not json", 0);
    var e = assertThrows(ModelLoadException.class, () -> SafetensorsFile.open(file));
    assertMessage(e, file.toString(), "does not parse");
  }

  @Test
  void overlappingTensors() throws IOException {
    Path file = dir.resolve("model.safetensors");
    writeRaw(
        file,
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}",
        24);
    var e = assertThrows(ModelLoadException.class, () -> SafetensorsFile.open(file));
    assertMessage(e, file.toString(), "'a'", "'b'", "overlap");
  }

  @Test
  void sizeNotMatchingShape() throws IOException {
    Path file = dir.resolve("model.safetensors");
    writeRaw(file, "{\"a\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16);
    var e = assertThrows(ModelLoadException.class, () -> SafetensorsFile.open(file));
    assertMessage(e, "'a'", "needs 8");
  }

  @Test
  void unknownDtype() throws IOException {
    Path file = dir.resolve("model.safetensors");
    writeRaw(file, "{\"a\":{\"dtype\":\"Q4\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4);
    var e = assertThrows(ModelLoadException.class, () -> SafetensorsFile.open(file));
    assertMessage(e, "'Q4'", "'a'");
  }

  @Test
  void missingTensor() throws IOException {
    copyModel("synthetic/gpt2-tiny", dir);
    Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
    tensors.put(
        "transformer.wte.weight",
        new SafetensorsWriter.Tensor(new long[] {500, 64}, new float[500 * 64]));
    SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, DType.F32, Map.of());
    var e = assertThrows(ModelLoadException.class, () -> ModelLoader.standard().load(dir));
    assertMessage(e, "transformer.wpe.weight", "missing", dir.toString());
  }

  @Test
  void wrongShape() throws IOException {
    copyModel("synthetic/gpt2-tiny", dir);
    String config =
        Files.readString(dir.resolve("config.json"))
            .replace("\"vocab_size\": 500", "\"vocab_size\": 501");
    Files.writeString(dir.resolve("config.json"), config);
    var e = assertThrows(ModelLoadException.class, () -> ModelLoader.standard().load(dir));
    assertMessage(e, "transformer.wte.weight", "[500, 64]", "[501, 64]", "do not match");
  }

  @Test
  void missingShard() throws IOException {
    copyModel("synthetic/llama-tiny-untied-bf16-sharded", dir);
    Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
    var e = assertThrows(ModelLoadException.class, () -> ModelLoader.standard().load(dir));
    assertMessage(e, "model-00002-of-00002.safetensors", "missing");
  }

  @Test
  void unknownModelType() throws IOException {
    copyModel("synthetic/gpt2-tiny", dir);
    String config =
        Files.readString(dir.resolve("config.json"))
            .replace("\"model_type\": \"gpt2\"", "\"model_type\": \"mamba\"");
    Files.writeString(dir.resolve("config.json"), config);
    var e =
        assertThrows(
            UnsupportedArchitectureException.class, () -> ModelLoader.standard().load(dir));
    assertMessage(e, "'mamba'", "supported:", "gpt2", "llama", "gpt_neox");
  }

  @Test
  void unsupportedConfigField() throws IOException {
    copyModel("synthetic/llama-tiny-untied", dir);
    String config = Files.readString(dir.resolve("config.json"));
    config =
        config.replaceFirst(
            "\\{", "{\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0},");
    config = config.replace("\"rope_scaling\": null,", "");
    Files.writeString(dir.resolve("config.json"), config);
    var e = assertThrows(ConfigException.class, () -> ModelLoader.standard().load(dir));
    assertMessage(e, "rope_scaling", "yarn", "config.json");
  }

  @Test
  void missingConfigAndMissingDirectory() {
    var e = assertThrows(ConfigException.class, () -> ModelLoader.standard().load(dir));
    assertMessage(e, "no config.json", dir.toString());
    Path absent = dir.resolve("absent");
    var e2 = assertThrows(ModelLoadException.class, () -> ModelLoader.standard().load(absent));
    assertMessage(e2, absent.toString(), "does not exist");
  }

  @Test
  void pickleOnlyCheckpoint() throws IOException {
    Files.copy(
        TestModels.model("synthetic/gpt2-tiny").resolve("config.json"), dir.resolve("config.json"));
    Files.write(dir.resolve("pytorch_model.bin"), new byte[] {0});
    var e = assertThrows(ModelLoadException.class, () -> ModelLoader.standard().load(dir));
    assertMessage(e, "pickle", "safe_serialization=True");
  }

  @Test
  void writerRoundTripsThroughReader() {
    Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
    float[] x = {1, -2, 3.5f, 0, 1e-3f, 7};
    tensors.put("x", new SafetensorsWriter.Tensor(new long[] {2, 3}, x));
    tensors.put("s", new SafetensorsWriter.Tensor(new long[] {}, new float[] {42}));
    Path file = dir.resolve("t.safetensors");
    SafetensorsWriter.write(file, tensors, DType.F32, Map.of("format", "pt"));
    try (SafetensorsFile read = SafetensorsFile.open(file);
        NDManager manager = Tensors.newManager()) {
      assertEquals("pt", read.metadata().get("format"));
      assertArrayEquals(new long[] {}, read.entries().get("s").shape());
      var buffer = read.bytes(read.entries().get("x")).asFloatBuffer();
      float[] values = new float[buffer.remaining()];
      buffer.get(values);
      assertArrayEquals(x, values);
      assertArrayEquals(
          x,
          manager
              .create(
                  read.bytes(read.entries().get("x")),
                  new ai.djl.ndarray.types.Shape(2, 3),
                  ai.djl.ndarray.types.DataType.FLOAT32)
              .toFloatArray());
    }
  }
}
