package dev.iclab.tune.peft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.lm.weights.DType;
import dev.iclab.lm.weights.HalfFloats;
import dev.iclab.lm.weights.SafetensorsFile;
import dev.iclab.lm.weights.SafetensorsWriter;
import dev.iclab.lm.weights.TensorEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Hugging Face PEFT adapter layout: {@code adapter_config.json} (with {@code peft_type}) and
 * {@code adapter_model.safetensors}. LoRA tensors are named {@code base_model.model.<module
 * path>.lora_A.weight} [r, in] and {@code ...lora_B.weight} [out, r]; prompt and prefix tuning
 * store {@code prompt_embeddings}.
 */
public final class PeftFormat {
  public static final String CONFIG = "adapter_config.json";
  public static final String WEIGHTS = "adapter_model.safetensors";
  public static final String MODULE_PREFIX = "base_model.model.";
  public static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private PeftFormat() {}

  public static ObjectNode newConfig(String peftType, String baseModel) {
    ObjectNode config = JSON.createObjectNode();
    config.put("peft_type", peftType);
    config.put("task_type", "CAUSAL_LM");
    config.put("base_model_name_or_path", baseModel);
    config.put("inference_mode", true);
    config.putNull("revision");
    return config;
  }

  /** Writes the config and the tensors (FP32) into {@code directory}. */
  public static void write(
      Path directory, ObjectNode config, Map<String, SafetensorsWriter.Tensor> tensors) {
    try {
      Files.writeString(directory.resolve(CONFIG), JSON.writeValueAsString(config) + "\n");
    } catch (IOException e) {
      throw new AdapterFormatException("cannot write " + directory.resolve(CONFIG)).causedBy(e);
    }
    SafetensorsWriter.write(directory.resolve(WEIGHTS), tensors, DType.F32, Map.of("format", "pt"));
  }

  /** Reads adapter_config.json. */
  public static JsonNode readConfig(Path directory) {
    Path file = directory.resolve(CONFIG);
    if (!Files.isRegularFile(file)) {
      throw new AdapterFormatException(
          "%s has no %s; an adapter directory holds %s and %s as PEFT's save_pretrained writes them"
              .formatted(directory, CONFIG, CONFIG, WEIGHTS));
    }
    try {
      JsonNode config = JSON.readTree(file.toFile());
      if (!config.isObject() || !config.hasNonNull("peft_type")) {
        throw new AdapterFormatException("%s has no \"peft_type\"".formatted(file));
      }
      return config;
    } catch (IOException e) {
      throw new AdapterFormatException("%s is not valid JSON: %s".formatted(file, e.getMessage()))
          .causedBy(e);
    }
  }

  /** Reads every tensor of adapter_model.safetensors as FP32 values. */
  public static Map<String, SafetensorsWriter.Tensor> readTensors(Path directory) {
    Path file = directory.resolve(WEIGHTS);
    if (!Files.isRegularFile(file)) {
      throw new AdapterFormatException(
          "%s has no %s (adapter weights); PEFT's older adapter_model.bin is not readable, re-save with safe_serialization=True"
              .formatted(directory, WEIGHTS));
    }
    return readFile(file);
  }

  /** Every tensor of one safetensors file, widened to FP32. */
  public static Map<String, SafetensorsWriter.Tensor> readFile(Path file) {
    Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
    try (SafetensorsFile st = SafetensorsFile.open(file)) {
      for (TensorEntry entry : st.entries().values()) {
        ByteBuffer bytes = st.bytes(entry).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) entry.elementCount();
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
          values[i] =
              switch (entry.dtype()) {
                case F32 -> bytes.getFloat(i * 4);
                case F16 -> HalfFloats.f16ToFloat(bytes.getShort(i * 2));
                case BF16 -> HalfFloats.bf16ToFloat(bytes.getShort(i * 2));
                default ->
                    throw new AdapterFormatException(
                        "%s: tensor %s has dtype %s; adapters must be F32, F16 or BF16"
                            .formatted(file, entry.name(), entry.dtype()));
              };
        }
        tensors.put(entry.name(), new SafetensorsWriter.Tensor(entry.shape(), values));
      }
    }
    return tensors;
  }

  /** The base model recorded in an adapter config, or "?" when absent. */
  public static String baseModel(JsonNode config) {
    JsonNode base = config.get("base_model_name_or_path");
    return base == null || base.isNull() ? "?" : base.asText();
  }

  /**
   * The [virtual tokens, width] tensor of a prompt or prefix adapter.
   *
   * @param width what the model needs as the second dimension
   * @param widthText that width as the error shows it (with how it is made up)
   * @throws AdapterFormatException when the tensor is missing or shaped otherwise
   */
  public static SafetensorsWriter.Tensor readVirtualTokens(
      Path directory, String tensor, long width, String widthText) {
    JsonNode json = readConfig(directory);
    SafetensorsWriter.Tensor t = readTensors(directory).get(tensor);
    if (t == null || t.shape().length != 2 || t.shape()[1] != width) {
      throw new AdapterFormatException(
          "adapter %s (base_model_name_or_path '%s') needs %s of shape [virtual tokens, %s], got %s"
              .formatted(
                  directory,
                  baseModel(json),
                  tensor,
                  widthText,
                  t == null ? "none" : Arrays.toString(t.shape())));
    }
    return t;
  }
}
