package dev.iclab.tune.peft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.iclab.IclabException;
import dev.iclab.lm.ModelFiles;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.weights.DType;
import dev.iclab.lm.weights.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a model's current weights as a Hugging Face checkpoint: config.json (and tokenizer and
 * generation files) copied from the base directory, the weights under their Hugging Face names in
 * FP32 safetensors (sharded with an index above {@value #SHARD_BYTES} bytes).
 */
public final class HfCheckpoints {
  static final long SHARD_BYTES = 2L << 30;

  /** Files copied from the base model directory when present. */
  public static final List<String> COPIED =
      ModelFiles.join(
          ModelFiles.CONFIG,
          ModelFiles.join(ModelFiles.TOKENIZER, List.of(ModelFiles.SENTENCEPIECE)));

  private HfCheckpoints() {}

  public static void save(CausalLM model, Path baseDirectory, Path directory) {
    Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
    long bytes = 0;
    for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
      NDArray a = e.getValue();
      float[] values =
          a.getDataType() == DataType.FLOAT32
              ? a.toFloatArray()
              : a.toType(DataType.FLOAT32, true).toFloatArray();
      tensors.put(e.getKey(), new SafetensorsWriter.Tensor(a.getShape().getShape(), values));
      bytes += 4L * values.length;
    }
    try {
      for (String name : COPIED) {
        Path source = baseDirectory.resolve(name);
        if (Files.exists(source)) {
          Files.copy(source, directory.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      throw new IclabException(
          "cannot copy the base model's files from %s to %s: %s"
              .formatted(baseDirectory, directory, e.getMessage()),
          e);
    }
    if (bytes <= SHARD_BYTES) {
      SafetensorsWriter.write(
          directory.resolve("model.safetensors"), tensors, DType.F32, Map.of("format", "pt"));
    } else {
      SafetensorsWriter.writeSharded(directory, tensors, DType.F32, SHARD_BYTES);
    }
  }
}
