package dev.iclab.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.IclabException;
import dev.iclab.data.Dataset;
import dev.iclab.data.io.DatasetLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** What a run records for reproducibility: model and dataset hashes, library versions. */
final class RunEnvironment {
  private RunEnvironment() {}

  static ObjectNode of(Path modelDir, List<Dataset> datasets) {
    ObjectNode env = Json.object();
    ObjectNode m = env.putObject("model");
    m.put("path", modelDir.toAbsolutePath().normalize().toString());
    ObjectNode sums = m.putObject("sha256");
    try (Stream<Path> files = Files.list(modelDir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList()) {
        sums.put(f.getFileName().toString(), DatasetLoader.sha256(f));
      }
    } catch (IOException e) {
      throw new IclabException("cannot list %s: %s".formatted(modelDir, e.getMessage()), e);
    }
    ObjectNode data = env.putObject("datasets");
    for (Dataset d : datasets) {
      ObjectNode node = data.putObject(d.name());
      node.put("path", d.source().toAbsolutePath().normalize().toString());
      node.put("sha256", d.sha256());
      node.put("rows", d.size());
      node.put("skipped_rows", d.skippedRows());
    }
    ObjectNode versions = env.putObject("versions");
    versions.put("iclab", Versions.iclab());
    versions.put("djl", Versions.djl());
    versions.put("java", System.getProperty("java.version"));
    return env;
  }
}
