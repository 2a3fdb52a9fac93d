package dev.iclab.cli.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.cli.Json;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * {@code --out} of the benches that keep their result in a file; each bench gives its default file
 * with an {@link dev.iclab.cli.OptionDefaults} provider.
 */
public final class ResultFile {
  @Option(names = "--out", description = "JSON result file (default: ${DEFAULT-VALUE}).")
  Path out;

  /** Writes {@code result} to --out (atomically), prints it on stdout and says so on stderr. */
  void write(CommandSpec spec, ObjectNode result) throws IOException {
    Json.writeAtomically(out, result);
    Json.print(spec.commandLine().getOut(), result);
    spec.commandLine().getErr().println("wrote " + out);
  }
}
