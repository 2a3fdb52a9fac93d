package dev.iclab.tune;

import java.nio.file.Path;

/**
 * The model a tuner was attached to.
 *
 * @param name what the user called it (a directory or hub id), saved as base_model_name_or_path
 * @param directory its resolved Hugging Face directory
 */
public record BaseModel(String name, Path directory) {
  public static BaseModel of(Path directory) {
    return new BaseModel(directory.toString(), directory);
  }
}
