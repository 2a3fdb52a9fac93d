package dev.iclab.tune.kv;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.Dense;
import dev.iclab.tune.InPlaceTuner;
import dev.iclab.tune.TrainableParameter;
import dev.iclab.tune.TuneException;
import java.util.ArrayList;

/**
 * Trains the key and value projections of every layer in place and nothing else. Separate k/v
 * projections (Llama, Qwen2, Mistral) train whole; a fused q/k/v projection (GPT-2's c_attn,
 * GPT-NeoX's query_key_value) trains with a gradient mask that zeroes its query slice, so the
 * queries stay bit-identical. Saves a Hugging Face checkpoint.
 */
public final class KvTuner extends InPlaceTuner {
  public static final String PEFT_TYPE = "KV";

  private final NDManager manager;

  public KvTuner(CausalLM model, KvConfig config) {
    super("kv", PEFT_TYPE, model, new ArrayList<>());
    this.manager = model.manager().newSubManager();
    int heads = model.config().numHeads();
    int headDim = model.config().headDim();
    for (Dense dense : model.projections().values()) {
      String name = dense.name();
      if (name.endsWith(".k_proj") || name.endsWith(".v_proj")) {
        add(dense, null, null);
      } else if (name.endsWith("attn.c_attn") && dense.isInputMajor()) {
        // GPT-2 Conv1D [in, 3 * hidden], output laid out [q | k | v]
        long out = dense.outFeatures();
        float[] keep = new float[(int) out];
        for (int j = 0; j < out; j++) {
          keep[j] = j >= out / 3 ? 1 : 0;
        }
        add(dense, manager.create(keep, new Shape(1, out)), manager.create(keep));
      } else if (name.endsWith("attention.query_key_value")) {
        // GPT-NeoX nn.Linear [3 * hidden, in], output laid out per head [heads, 3, headDim]
        long out = dense.outFeatures();
        if (out != 3L * heads * headDim) {
          throw new TuneException(
              "%s has %d outputs, expected 3 x %d heads x %d".formatted(name, out, heads, headDim));
        }
        float[] keep = new float[(int) out];
        for (int r = 0; r < out; r++) {
          keep[r] = (r % (3 * headDim)) / headDim == 0 ? 0 : 1;
        }
        add(dense, manager.create(keep, new Shape(out, 1)), manager.create(keep));
      }
    }
    if (parameters().isEmpty()) {
      throw new TuneException(
          "--method kv found no key/value projections (k_proj/v_proj, c_attn or query_key_value) in this model; its projections are %s"
              .formatted(model.projections().keySet()));
    }
  }

  private void add(Dense dense, NDArray weightMask, NDArray biasMask) {
    parameters()
        .add(new TrainableParameter(dense.name() + ".weight", dense.weight(), weightMask, true));
    if (dense.bias() != null) {
      parameters()
          .add(new TrainableParameter(dense.name() + ".bias", dense.bias(), biasMask, true));
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
