package dev.iclab.tune.qlora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.Dense;
import dev.iclab.lm.arch.ProjectionListener;
import dev.iclab.lm.weights.SafetensorsWriter;
import dev.iclab.tune.AbstractTuner;
import dev.iclab.tune.BaseModel;
import dev.iclab.tune.TrainableParameter;
import dev.iclab.tune.lora.LoraConfig;
import dev.iclab.tune.lora.LoraTuner;
import dev.iclab.tune.peft.AdapterFormatException;
import dev.iclab.tune.peft.PeftFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * QLoRA: every linear projection computes with its NF4-quantised weight, dequantised on the fly
 * inside a {@link Dense.Adapter}; LoRA adapters on the target projections sit on top and are the
 * only trainable arrays. Saved as a PEFT LoRA adapter (peft_type LORA, so PEFT can load it over a
 * bitsandbytes 4-bit base) plus {@value #QUANTIZATION_FILE} recording the quantisation.
 *
 * <p>Once the adapter is attached, the projections' FP32 weights are released ({@link
 * Dense#releaseWeight}): the base weights then take {@link #quantizedBytes()} (about a quarter of
 * FP32: one byte per code plus the absmax values). Closing the tuner therefore leaves the model's
 * projections without weights; close the model with it. To merge a QLoRA adapter into FP32 weights,
 * load it with {@link LoraTuner#load} on a freshly loaded model.
 */
public final class QloraTuner extends AbstractTuner {
  public static final String PEFT_TYPE = "QLORA";
  public static final String QUANTIZATION_FILE = "iclab_quantization.json";

  private final QloraConfig config;
  private final NDManager manager;
  private final Map<Dense, QuantizedWeight> quantized = new LinkedHashMap<>();
  private final LoraTuner lora;

  public QloraTuner(CausalLM model, QloraConfig config, long seed) {
    this(model, config, seed, null);
  }

  private QloraTuner(
      CausalLM model,
      QloraConfig config,
      long seed,
      Map<String, SafetensorsWriter.Tensor> weights) {
    super("qlora", PEFT_TYPE, model);
    this.config = config;
    this.manager = model.manager().newSubManager();
    try {
      NDArray table = QuantizedWeight.levels(manager);
      for (Dense dense : model.projections().values()) {
        if (dense.adapter() instanceof QuantizedWeight loaded) { // quantised while loading
          if (loaded.blockSize() != config.blockSize()
              || loaded.doubleQuant() != config.doubleQuant()) {
            throw new IllegalStateException(
                "%s was quantised while loading with block %d, double quantisation %s; this QLoRA needs block %d, %s"
                    .formatted(
                        dense.name(),
                        loaded.blockSize(),
                        loaded.doubleQuant(),
                        config.blockSize(),
                        config.doubleQuant()));
          }
          quantized.put(dense, loaded);
          continue;
        }
        QuantizedWeight qw =
            QuantizedWeight.of(
                manager, dense.weight(), config.blockSize(), config.doubleQuant(), table);
        quantized.put(dense, qw);
        dense.setAdapter(qw.adapter());
      }
      lora =
          new LoraTuner(
              model,
              config.lora(),
              seed,
              weights,
              "qlora",
              dense -> quantized.get(dense).adapter());
      // Only now, when nothing can fail any more: the quantised codes replace the FP32 originals.
      quantized.keySet().forEach(Dense::releaseWeight);
    } catch (RuntimeException e) {
      removeAdapters();
      manager.close();
      throw e;
    }
  }

  /**
   * A listener for {@link dev.iclab.lm.ModelLoader#load(Path, ai.djl.Device, boolean,
   * ProjectionListener)} that quantises each projection as soon as it is loaded and releases its
   * FP32 weight, so the model never holds all its FP32 projections at once (a 1.1B model would
   * otherwise peak at its FP32 size, 4.4 GB, during set-up, and the C allocator keeps such freed
   * memory for later allocations rather than returning it). A QLoRA tuner with the same block size
   * and double quantisation attached to that model then trains over these codes (owned by the
   * model's manager). Until then the model computes with the dequantised weights.
   */
  public static ProjectionListener quantizeWhileLoading(int blockSize, boolean doubleQuant) {
    return dense -> {
      NDArray w = dense.weight();
      NDManager owner = w.getManager(); // the model's
      dense.setAdapter(onOwnThread(() -> QuantizedWeight.of(owner, w, blockSize, doubleQuant)));
      dense.releaseWeight();
    };
  }

  /**
   * Runs {@code work} on a short-lived thread of its own, so that the arrays it allocates (the
   * codes, which stay) come from another C-allocator arena than the FP32 weights, which are loaded
   * and freed one after another on the loading thread. Interleaved in one arena, the long-lived
   * codes fragment it and it keeps the freed FP32 memory resident (./iclab sets
   * MALLOC_TRIM_THRESHOLD_, so none is returned): of `bench tune`'s two 1.1B QLoRA phases loaded
   * that way, one had 3,947 MB resident after loading, the other 1,905 MB
   * (docs/results/tune/bench-recompute-1b.json, rss_loaded_mb); with the codes made on their own
   * thread both had 1,836-1,841 MB (bench-recompute-1b-qlora.json).
   */
  private static QuantizedWeight onOwnThread(java.util.function.Supplier<QuantizedWeight> work) {
    QuantizedWeight[] made = {null};
    RuntimeException[] failed = {null};
    Thread thread =
        new Thread(
            () -> {
              try {
                made[0] = work.get();
              } catch (RuntimeException e) {
                failed[0] = e;
              }
            },
            "qlora-quantize");
    thread.start();
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while quantising", e);
    }
    if (failed[0] != null) {
      throw failed[0];
    }
    return made[0];
  }

  /** Whether an adapter directory was saved by QLoRA. */
  public static boolean isQlora(Path directory) {
    return Files.isRegularFile(directory.resolve(QUANTIZATION_FILE));
  }

  /** Reads a QLoRA adapter (PEFT LoRA files plus the quantisation record). */
  public static QloraTuner load(CausalLM model, Path directory) {
    JsonNode json = PeftFormat.readConfig(directory);
    LoraConfig lora = LoraTuner.configFrom(json, directory);
    JsonNode q;
    try {
      q = PeftFormat.JSON.readTree(directory.resolve(QUANTIZATION_FILE).toFile());
    } catch (IOException e) {
      throw new AdapterFormatException("cannot read " + directory.resolve(QUANTIZATION_FILE))
          .causedBy(e);
    }
    var config =
        new QloraConfig(lora, q.path("block_size").asInt(64), q.path("double_quant").asBoolean());
    try {
      return new QloraTuner(model, config, 0, PeftFormat.readTensors(directory));
    } catch (RuntimeException e) {
      throw LoraTuner.withBase(e, json, directory);
    }
  }

  /** The quantised weights by projection (the dequantisation tests read them). */
  public Map<Dense, QuantizedWeight> quantized() {
    return quantized;
  }

  /** Bytes the quantised base weights take on the device. */
  public long quantizedBytes() {
    return quantized.values().stream().mapToLong(QuantizedWeight::bytes).sum();
  }

  public LoraTuner lora() {
    return lora;
  }

  @Override
  public List<TrainableParameter> parameters() {
    return lora.parameters();
  }

  @Override
  public void setTraining(boolean training) {
    lora.setTraining(training);
  }

  @Override
  public void save(Path directory, BaseModel base) {
    lora.save(directory, base);
    ObjectNode q = PeftFormat.JSON.createObjectNode();
    q.put("quant_type", "nf4");
    q.put("block_size", config.blockSize());
    q.put("double_quant", config.doubleQuant());
    q.put("codes", "one uint8 per value");
    try {
      Files.writeString(
          directory.resolve(QUANTIZATION_FILE), PeftFormat.JSON.writeValueAsString(q) + "\n");
    } catch (IOException e) {
      throw new AdapterFormatException("cannot write " + directory.resolve(QUANTIZATION_FILE))
          .causedBy(e);
    }
  }

  private void removeAdapters() {
    quantized.keySet().forEach(d -> d.setAdapter(null));
  }

  @Override
  public void close() {
    if (lora != null) {
      lora.close();
    }
    removeAdapters();
    manager.close();
  }
}
