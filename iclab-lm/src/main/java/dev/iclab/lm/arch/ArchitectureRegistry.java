package dev.iclab.lm.arch;

import dev.iclab.lm.arch.gpt2.Gpt2Architecture;
import dev.iclab.lm.arch.llama.LlamaArchitecture;
import dev.iclab.lm.arch.neox.NeoxArchitecture;
import dev.iclab.lm.config.HfConfig;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** Architectures by config.json's {@code model_type}: explicit entries, no reflection. */
public final class ArchitectureRegistry {
  private final Map<String, Architecture> byModelType;

  public ArchitectureRegistry(Map<String, Architecture> byModelType) {
    this.byModelType = Map.copyOf(byModelType);
  }

  /** The architectures iclab ships. */
  public static ArchitectureRegistry standard() {
    return new ArchitectureRegistry(
        Map.of(
            "gpt2", Gpt2Architecture.gpt2(),
            "gpt_neox", NeoxArchitecture.neox(),
            "llama", LlamaArchitecture.llama(),
            "qwen2", LlamaArchitecture.qwen2(),
            "mistral", LlamaArchitecture.mistral()));
  }

  public Set<String> modelTypes() {
    return new TreeSet<>(byModelType.keySet());
  }

  /**
   * The architecture for a config.json.
   *
   * @throws UnsupportedArchitectureException naming the model_type and the supported ones
   */
  public Architecture of(HfConfig config) {
    String type = config.string("model_type", "");
    Architecture architecture = byModelType.get(type);
    if (architecture == null) {
      throw new UnsupportedArchitectureException(
          "model_type '%s' in %s is not supported; supported: %s. Add a package under dev.iclab.lm.arch and register it in ArchitectureRegistry"
              .formatted(type, config.path(), new TreeMap<>(byModelType).keySet()));
    }
    return architecture;
  }
}
