package dev.iclab.tune;

import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.Dense;
import dev.iclab.lm.config.ConfigException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Resolves target module names as PEFT does: a name matches a projection whose module path equals
 * it or ends with {@code "." + name} ({@code q_proj}, {@code attn.c_attn}, or a full path).
 */
public final class ModuleTargets {
  private ModuleTargets() {}

  public static boolean matches(String modulePath, String target) {
    return modulePath.equals(target) || modulePath.endsWith("." + target);
  }

  /**
   * The projections {@code targets} name, in model order.
   *
   * @throws ConfigException naming the unknown targets and listing the valid names
   */
  public static List<Dense> resolve(CausalLM model, Collection<String> targets, String option) {
    List<Dense> chosen = new ArrayList<>();
    for (Dense dense : model.projections().values()) {
      if (targets.stream().anyMatch(t -> matches(dense.name(), t))) {
        chosen.add(dense);
      }
    }
    List<String> unknown =
        targets.stream()
            .filter(t -> model.projections().keySet().stream().noneMatch(p -> matches(p, t)))
            .toList();
    if (!unknown.isEmpty()) {
      throw new ConfigException(
          "%s names %s, which this %s model does not have; valid module names: %s (or full paths such as %s)"
              .formatted(
                  option,
                  unknown,
                  model.config().modelType(),
                  validNames(model),
                  model.projections().keySet().iterator().next()));
    }
    return chosen;
  }

  /** The last component of every projection's path ({@code q_proj}, {@code c_attn}, ...). */
  public static Set<String> validNames(CausalLM model) {
    Set<String> names = new TreeSet<>();
    for (String path : model.projections().keySet()) {
      names.add(path.substring(path.lastIndexOf('.') + 1));
    }
    return names;
  }
}
