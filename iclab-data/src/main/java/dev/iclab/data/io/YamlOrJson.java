package dev.iclab.data.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;

/** The settings files users write (task files, eval configs): YAML, or JSON by the extension. */
public final class YamlOrJson {
  private YamlOrJson() {}

  /** A fresh mapper for {@code file}: JSON when its name ends in {@code .json}, else YAML. */
  public static ObjectMapper mapper(Path file) {
    return file.toString().endsWith(".json")
        ? new ObjectMapper()
        : new ObjectMapper(new YAMLFactory());
  }
}
