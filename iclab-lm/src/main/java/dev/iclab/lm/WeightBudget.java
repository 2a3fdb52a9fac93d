package dev.iclab.lm;

import dev.iclab.lm.config.ModelConfig;
import dev.iclab.lm.weights.Checkpoint;
import dev.iclab.lm.weights.DType;
import dev.iclab.lm.weights.TensorEntry;
import dev.iclab.tensor.MachineMemory;
import java.nio.file.Path;

/**
 * Checks, before any weight is read, that config.json fits its checkpoint and the machine: a layer
 * count in the billions would otherwise allocate per-layer tables until the JVM runs out of memory,
 * and a checkpoint too large to widen to FP32 would fail minutes into loading.
 */
final class WeightBudget {
  private WeightBudget() {}

  /**
   * The fewest weights a model of this shape can have: the embedding once (it may be tied), and per
   * layer the query and output projections and two MLP matrices (every architecture here has at
   * least these). Counted in double so that absurd sizes cannot overflow.
   */
  static double minimumParameters(ModelConfig c) {
    double attention = 2.0 * c.hiddenSize() * c.numHeads() * (double) c.headDim();
    double mlp = 2.0 * c.hiddenSize() * (double) c.intermediateSize();
    return (double) c.vocabSize() * c.hiddenSize() + c.numLayers() * (attention + mlp);
  }

  /**
   * @throws ModelLoadException when config.json implies far more weights than the checkpoint
   *     stores, or when the FP32 copies the loader must make exceed the machine's memory
   */
  static void check(ModelConfig config, Checkpoint checkpoint, Path configPath, boolean trainable) {
    long stored = 0;
    long ownedBytes = 0;
    for (String name : checkpoint.names()) {
      TensorEntry entry = checkpoint.entry(name).orElseThrow();
      stored += entry.elementCount();
      if (trainable || entry.dtype() != DType.F32) {
        ownedBytes += 4 * entry.elementCount();
      }
    }
    double needed = minimumParameters(config);
    // A modest shortfall is a missing tensor, which loading names more precisely; only a config
    // far beyond its weights (a layer count in the billions) is stopped here.
    if (needed > MISMATCH_FACTOR * stored) {
      throw new ModelLoadException(
          "%s describes a model of at least %s weights (%d layers, hidden %d, vocabulary %d) but the checkpoint in %s stores %s; config.json does not belong to these weights: restore the model's own config.json"
              .formatted(
                  configPath,
                  count(needed),
                  config.numLayers(),
                  config.hiddenSize(),
                  config.vocabSize(),
                  checkpoint.directory(),
                  count(stored)));
    }
    long physical = MachineMemory.totalBytes();
    if (physical > 0 && ownedBytes > physical) {
      throw new ModelLoadException(
          "loading %s needs %s for its weights in FP32 but this machine has %s of memory; use a smaller model, or one stored in FP32 (which is mapped from disk rather than copied)"
              .formatted(
                  checkpoint.directory(),
                  MachineMemory.gib(ownedBytes),
                  MachineMemory.gib(physical)));
    }
  }

  private static final double MISMATCH_FACTOR = 10;

  private static String count(double n) {
    return n >= 1e9 ? "%.3g billion".formatted(n / 1e9) : "%,.0f".formatted(n);
  }
}
