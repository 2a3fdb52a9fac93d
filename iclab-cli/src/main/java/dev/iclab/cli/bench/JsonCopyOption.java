package dev.iclab.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.iclab.AtomicFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --out} of the benches that print their JSON on stdout: a copy of it in a file. */
public final class JsonCopyOption {
  @Option(names = "--out", description = "Also write the JSON to this file.")
  Path out;

  /** Prints {@code json} indented on {@code stdout}, and writes the same text to --out if given. */
  void emit(PrintWriter stdout, Map<String, Object> json) {
    try {
      String text =
          new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json);
      stdout.println(text);
      if (out != null) {
        AtomicFiles.writeString(out, text + "\n");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
