package dev.iclab.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A flag declared in a table rather than on a field, for commands whose flags are the keys of a
 * settings map (emergence's lab settings, eval's config file): {@code --KEY} sets key {@code KEY}
 * (dashes as given for emergence; eval's config file writes them with underscores).
 *
 * @param type the value's type: picocli converts to it and refuses a value it cannot convert
 * @param arity picocli's notation; null for one value
 * @param label the value's name in the help, or null for {@code <KEY>}
 */
public record TableFlag(String key, Class<?> type, String arity, String label, String description) {

  /** A command whose table of flags {@link Transformer} adds. */
  public interface Table {
    List<TableFlag> tableFlags();
  }

  /** Adds the flags of the command's {@link Table} ({@code @Command(modelTransformer = ...)}). */
  public static final class Transformer implements IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
      ((Table) spec.userObject()).tableFlags().forEach(flag -> spec.addOption(flag.option()));
      return spec;
    }
  }

  /** A flag of one value, shown as {@code <KEY>}. */
  public static TableFlag of(String key, Class<?> type, String description) {
    return new TableFlag(key, type, null, null, description);
  }

  /** The values given on the command line by key, in table order; null where not given. */
  public static Map<String, Object> given(CommandSpec spec, List<TableFlag> table) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (TableFlag flag : table) {
      values.put(flag.key(), spec.findOption("--" + flag.key()).getValue());
    }
    return values;
  }

  private OptionSpec option() {
    OptionSpec.Builder builder =
        OptionSpec.builder("--" + key)
            .type(type)
            .description(description)
            .paramLabel(label == null ? "<" + key + ">" : label);
    return (arity == null ? builder : builder.arity(arity)).build();
  }
}
