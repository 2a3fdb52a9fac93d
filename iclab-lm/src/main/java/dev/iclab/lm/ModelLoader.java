package dev.iclab.lm;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.iclab.lm.arch.Architecture;
import dev.iclab.lm.arch.ArchitectureRegistry;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ProjectionListener;
import dev.iclab.lm.config.HfConfig;
import dev.iclab.lm.config.ModelConfig;
import dev.iclab.lm.weights.Checkpoint;
import dev.iclab.tensor.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loads a Hugging Face model directory (config.json + safetensors) into a {@link CausalLM}. */
public final class ModelLoader {
  private final ArchitectureRegistry registry;

  public ModelLoader(ArchitectureRegistry registry) {
    this.registry = registry;
  }

  /** A loader for the architectures iclab ships. */
  public static ModelLoader standard() {
    return new ModelLoader(ArchitectureRegistry.standard());
  }

  /**
   * Loads the model in {@code directory} onto {@code device}; the caller closes it.
   *
   * @throws dev.iclab.IclabException subclasses naming the file and the fix when the directory,
   *     config or weights are missing, unsupported or corrupt
   */
  public CausalLM load(Path directory, Device device) {
    return load(directory, device, false);
  }

  /**
   * As {@link #load(Path, Device)}; with {@code trainable} every weight lives in engine-owned
   * memory (not a read-only file mapping), so training may update it in place.
   */
  public CausalLM load(Path directory, Device device, boolean trainable) {
    return load(directory, device, trainable, ProjectionListener.NONE);
  }

  /**
   * As {@link #load(Path, Device, boolean)}, telling {@code listener} about each linear projection
   * as soon as its weights are loaded (see {@link ProjectionListener}).
   */
  public CausalLM load(
      Path directory, Device device, boolean trainable, ProjectionListener listener) {
    if (!Files.isDirectory(directory)) {
      throw new ModelLoadException(
          "model directory %s does not exist; give a directory with config.json and model.safetensors, or a hub id from the local Hugging Face cache"
              .formatted(directory));
    }
    HfConfig config = HfConfig.read(directory);
    Architecture architecture = registry.of(config);
    // Reject unsupported settings, and sizes the weights or the machine cannot back, before
    // reading any weight.
    ModelConfig common = architecture.describe(config);
    NDManager manager = Tensors.newManager(device);
    try (Checkpoint checkpoint = Checkpoint.open(directory, trainable)) {
      WeightBudget.check(common, checkpoint, config.path(), trainable);
      return architecture.load(config, checkpoint, manager, listener);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /** Loads onto the CPU. */
  public CausalLM load(Path directory) {
    return load(directory, Device.cpu());
  }
}
