package dev.iclab.tune.pretrain;

import dev.iclab.AtomicFiles;
import dev.iclab.lm.weights.DType;
import dev.iclab.lm.weights.SafetensorsWriter;
import dev.iclab.tune.Init;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Randomly initialised weights of a {@link ModelShape}, under Hugging Face names, as GPT-2 and
 * nanoGPT initialise: linear and embedding weights Normal(0, 0.02), the projections that write into
 * the residual stream (attention output, MLP down) Normal(0, 0.02 / sqrt(2 x layers)), biases 0,
 * norm weights 1. Each array's values depend only on the seed and its name.
 */
public final class FreshModel {
  static final double STD = 0.02;

  private FreshModel() {}

  /** Writes config.json and model.safetensors of a fresh model into {@code directory}. */
  public static void write(ModelShape shape, long seed, Path directory) {
    AtomicFiles.writeString(
        directory.resolve("config.json"), shape.configJson().toPrettyString() + "\n");
    SafetensorsWriter.write(
        directory.resolve("model.safetensors"),
        weights(shape, seed),
        DType.F32,
        Map.of("format", "pt"));
  }

  static Map<String, SafetensorsWriter.Tensor> weights(ModelShape s, long seed) {
    Weights w = new Weights(seed, STD / Math.sqrt(2.0 * s.layers()));
    long h = s.hidden();
    long inner = s.intermediate();
    if (s.arch().equals("gpt2")) {
      w.normal("transformer.wte.weight", STD, s.vocab(), h);
      w.normal("transformer.wpe.weight", STD, s.context(), h);
      for (int i = 0; i < s.layers(); i++) {
        String b = "transformer.h." + i + ".";
        w.norm(b + "ln_1", h, true);
        w.normal(b + "attn.c_attn.weight", STD, h, 3 * h); // Conv1D: [in, out]
        w.zeros(b + "attn.c_attn.bias", 3 * h);
        w.residual(b + "attn.c_proj.weight", h, h);
        w.zeros(b + "attn.c_proj.bias", h);
        w.norm(b + "ln_2", h, true);
        w.normal(b + "mlp.c_fc.weight", STD, h, inner);
        w.zeros(b + "mlp.c_fc.bias", inner);
        w.residual(b + "mlp.c_proj.weight", inner, h);
        w.zeros(b + "mlp.c_proj.bias", h);
      }
      w.norm("transformer.ln_f", h, true);
    } else {
      w.normal("model.embed_tokens.weight", STD, s.vocab(), h); // tied to the output head
      for (int i = 0; i < s.layers(); i++) {
        String b = "model.layers." + i + ".";
        w.norm(b + "input_layernorm", h, false);
        w.normal(b + "self_attn.q_proj.weight", STD, h, h); // nn.Linear: [out, in]
        w.normal(b + "self_attn.k_proj.weight", STD, h, h);
        w.normal(b + "self_attn.v_proj.weight", STD, h, h);
        w.residual(b + "self_attn.o_proj.weight", h, h);
        w.norm(b + "post_attention_layernorm", h, false);
        w.normal(b + "mlp.gate_proj.weight", STD, inner, h);
        w.normal(b + "mlp.up_proj.weight", STD, inner, h);
        w.residual(b + "mlp.down_proj.weight", h, inner);
      }
      w.norm("model.norm", h, false);
    }
    return w.tensors;
  }

  private static final class Weights {
    final Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
    final long seed;
    final double residualStd;

    Weights(long seed, double residualStd) {
      this.seed = seed;
      this.residualStd = residualStd;
    }

    void normal(String name, double std, long... shape) {
      int n = Math.toIntExact(shape[0] * (shape.length > 1 ? shape[1] : 1));
      tensors.put(
          name,
          new SafetensorsWriter.Tensor(shape, Init.gaussian(Init.seedFor(seed, name), n, std)));
    }

    void residual(String name, long... shape) {
      normal(name, residualStd, shape);
    }

    void zeros(String name, long n) {
      tensors.put(name, new SafetensorsWriter.Tensor(new long[] {n}, new float[(int) n]));
    }

    void norm(String module, long n, boolean bias) {
      float[] ones = new float[(int) n];
      java.util.Arrays.fill(ones, 1f);
      tensors.put(module + ".weight", new SafetensorsWriter.Tensor(new long[] {n}, ones));
      if (bias) {
        zeros(module + ".bias", n);
      }
    }
  }
}
