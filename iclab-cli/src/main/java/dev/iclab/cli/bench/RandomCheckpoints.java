package dev.iclab.cli.bench;

import static dev.iclab.lm.config.AttentionVariant.STANDARD;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.cli.Json;
import dev.iclab.lm.weights.DType;
import dev.iclab.lm.weights.SafetensorsWriter;
import dev.iclab.tune.pretrain.ModelShape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes randomly initialised checkpoints of real shapes for benchmarks. Tensors of the same shape
 * share one random array (weights are random anyway), so writing a 500M-parameter model needs
 * memory for its distinct shapes only.
 */
final class RandomCheckpoints {
  private final SplittableRandom random = new SplittableRandom(1);
  private final Map<String, float[]> byShape = new HashMap<>();

  private SafetensorsWriter.Tensor tensor(double std, long... shape) {
    String key = java.util.Arrays.toString(shape) + std;
    float[] values =
        byShape.computeIfAbsent(
            key,
            k -> {
              long n = 1;
              for (long d : shape) {
                n *= d;
              }
              float[] v = new float[Math.toIntExact(n)];
              for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((random.nextDouble() * 2 - 1) * std * Math.sqrt(3));
              }
              return v;
            });
    return new SafetensorsWriter.Tensor(shape, values);
  }

  private SafetensorsWriter.Tensor ones(long n) {
    float[] v = new float[(int) n];
    java.util.Arrays.fill(v, 1f);
    return new SafetensorsWriter.Tensor(new long[] {n}, v);
  }

  /** GPT-2 with the given shape (GPT-2 small: 12 layers, 768 wide, 12 heads, vocab 50257). */
  static Path gpt2(Path dir, int layers, int hidden, int heads, int vocab, int positions) {
    RandomCheckpoints r = new RandomCheckpoints();
    Map<String, SafetensorsWriter.Tensor> t = new LinkedHashMap<>();
    t.put("transformer.wte.weight", r.tensor(0.02, vocab, hidden));
    t.put("transformer.wpe.weight", r.tensor(0.01, positions, hidden));
    for (int i = 0; i < layers; i++) {
      String b = "transformer.h." + i + ".";
      t.put(b + "ln_1.weight", r.ones(hidden));
      t.put(b + "ln_1.bias", r.tensor(0.02, hidden));
      t.put(b + "attn.c_attn.weight", r.tensor(0.02, hidden, 3L * hidden));
      t.put(b + "attn.c_attn.bias", r.tensor(0.02, 3L * hidden));
      t.put(b + "attn.c_proj.weight", r.tensor(0.02, hidden, hidden));
      t.put(b + "attn.c_proj.bias", r.tensor(0.02, hidden));
      t.put(b + "ln_2.weight", r.ones(hidden));
      t.put(b + "ln_2.bias", r.tensor(0.02, hidden));
      t.put(b + "mlp.c_fc.weight", r.tensor(0.02, hidden, 4L * hidden));
      t.put(b + "mlp.c_fc.bias", r.tensor(0.02, 4L * hidden));
      t.put(b + "mlp.c_proj.weight", r.tensor(0.02, 4L * hidden, hidden));
      t.put(b + "mlp.c_proj.bias", r.tensor(0.02, hidden));
    }
    t.put("transformer.ln_f.weight", r.ones(hidden));
    t.put("transformer.ln_f.bias", r.tensor(0.02, hidden));
    // the config.json `pretrain` writes for the same shape
    ModelShape shape =
        new ModelShape(
            "gpt2", layers, hidden, heads, positions, vocab, -1, List.of(vocab - 1), STANDARD);
    return write(dir, shape.configJson(), t, DType.F32);
  }

  /** A Llama-shaped model (untied head), stored as {@code dtype}. */
  static Path llama(
      Path dir,
      int layers,
      int hidden,
      int heads,
      int kvHeads,
      int intermediate,
      int vocab,
      DType dtype) {
    RandomCheckpoints r = new RandomCheckpoints();
    int headDim = hidden / heads;
    Map<String, SafetensorsWriter.Tensor> t = new LinkedHashMap<>();
    t.put("model.embed_tokens.weight", r.tensor(0.02, vocab, hidden));
    for (int i = 0; i < layers; i++) {
      String b = "model.layers." + i + ".";
      t.put(b + "input_layernorm.weight", r.ones(hidden));
      t.put(b + "self_attn.q_proj.weight", r.tensor(0.02, hidden, hidden));
      t.put(b + "self_attn.k_proj.weight", r.tensor(0.02, (long) kvHeads * headDim, hidden));
      t.put(b + "self_attn.v_proj.weight", r.tensor(0.02, (long) kvHeads * headDim, hidden));
      t.put(b + "self_attn.o_proj.weight", r.tensor(0.02, hidden, hidden));
      t.put(b + "post_attention_layernorm.weight", r.ones(hidden));
      t.put(b + "mlp.gate_proj.weight", r.tensor(0.02, intermediate, hidden));
      t.put(b + "mlp.up_proj.weight", r.tensor(0.02, intermediate, hidden));
      t.put(b + "mlp.down_proj.weight", r.tensor(0.02, hidden, intermediate));
    }
    t.put("model.norm.weight", r.ones(hidden));
    t.put("lm_head.weight", r.tensor(0.02, vocab, hidden));
    ObjectNode config = Json.object();
    config.put("model_type", "llama");
    config.putArray("architectures").add("LlamaForCausalLM");
    config.put("num_hidden_layers", layers);
    config.put("hidden_size", hidden);
    config.put("num_attention_heads", heads);
    config.put("num_key_value_heads", kvHeads);
    config.put("intermediate_size", intermediate);
    config.put("vocab_size", vocab);
    config.put("max_position_embeddings", 4096);
    config.put("rms_norm_eps", 1e-5);
    config.put("rope_theta", 10000.0);
    config.put("tie_word_embeddings", false);
    return write(dir, config, t, dtype);
  }

  private static Path write(
      Path dir, ObjectNode config, Map<String, SafetensorsWriter.Tensor> tensors, DType dtype) {
    try {
      Files.createDirectories(dir);
      Json.MAPPER
          .writerWithDefaultPrettyPrinter()
          .writeValue(dir.resolve("config.json").toFile(), config);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    SafetensorsWriter.write(
        dir.resolve("model.safetensors"), tensors, dtype, Map.of("format", "pt"));
    return dir;
  }
}
