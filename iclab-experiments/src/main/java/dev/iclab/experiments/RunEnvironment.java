package dev.iclab.experiments;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.IclabException;
import dev.iclab.data.Dataset;
import dev.iclab.data.io.DatasetLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** What a run records for reproducibility: model and dataset hashes, library versions. */
public final class RunEnvironment {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RunEnvironment() {}

  public static ObjectNode of(Path modelDir, List<Dataset> datasets) {
    ObjectNode env = JSON.createObjectNode();
    ObjectNode m = env.putObject("model");
    m.put("path", modelDir.normalize().toString());
    m.set("sha256", safetensorsSha256(modelDir));
    ObjectNode data = env.putObject("datasets");
    for (Dataset d : datasets) {
      ObjectNode node = data.putObject(d.name());
      node.put("path", d.source().normalize().toString());
      node.put("sha256", d.sha256());
      node.put("rows", d.size());
      node.put("skipped_rows", d.skippedRows());
      node.put("duplicate_rows", d.duplicateRows());
    }
    env.set("versions", versions());
    return env;
  }

  /** The versions a result depends on: iclab, DJL (and so PyTorch), Java. */
  public static ObjectNode versions() {
    ObjectNode versions = JSON.createObjectNode();
    versions.put("iclab", Versions.iclab());
    versions.put("djl", Versions.djl());
    versions.put("java", System.getProperty("java.version"));
    return versions;
  }

  /** The versions the emergence lab records in its run.json: also the full Java version, the OS. */
  public static Map<String, String> labVersions() {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("iclab", Versions.iclab());
    v.put("djl", Versions.djl());
    v.put("java", Runtime.version().toString());
    v.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    return v;
  }

  /** SHA-256 of each .safetensors file in {@code dir} (a model or an adapter), by file name. */
  public static ObjectNode safetensorsSha256(Path dir) {
    ObjectNode sums = JSON.createObjectNode();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList()) {
        sums.put(f.getFileName().toString(), DatasetLoader.sha256(f));
      }
    } catch (IOException e) {
      throw new IclabException("cannot list %s: %s".formatted(dir, e.getMessage()), e);
    }
    return sums;
  }
}
