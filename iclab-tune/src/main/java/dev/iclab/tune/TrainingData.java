package dev.iclab.tune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.lm.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads training text from JSON Lines: one object per line, the text in {@code textField}. Blank
 * lines are skipped. A sequence longer than {@code maxLength} tokens is truncated to its first
 * {@code maxLength} tokens and counted in {@link Loaded#truncated} (callers warn); a text of fewer
 * than 2 tokens (nothing to predict) is an error naming its line.
 */
public final class TrainingData {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The examples and how many were cut to the maximum length. */
  public record Loaded(List<TrainingExample> examples, int truncated, long tokens) {}

  private TrainingData() {}

  public static Loaded jsonl(Path file, String textField, Tokenizer tokenizer, int maxLength) {
    if (maxLength < 2) {
      throw new TuneException("--max-length must be >= 2, got " + maxLength);
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (NoSuchFileException e) {
      throw new TuneException("--data file %s does not exist".formatted(file));
    } catch (MalformedInputException e) {
      throw new TuneException("--data file %s is not UTF-8 text".formatted(file));
    } catch (IOException e) {
      throw new TuneException("cannot read %s: %s".formatted(file, e.getMessage())).causedBy(e);
    }
    List<TrainingExample> examples = new ArrayList<>();
    int truncated = 0;
    long tokens = 0;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty()) {
        continue;
      }
      JsonNode row;
      try {
        row = JSON.readTree(line);
      } catch (IOException e) {
        throw new TuneException(
            "%s line %d is not a JSON object: %s"
                .formatted(file, i + 1, e.getMessage().lines().findFirst().orElse("")));
      }
      JsonNode text = row == null ? null : row.get(textField);
      if (text == null || !text.isTextual()) {
        throw new TuneException(
            "%s line %d has no text field \"%s\"; choose the field with --text-field"
                .formatted(file, i + 1, textField));
      }
      int[] ids = tokenizer.encode(text.asText());
      if (ids.length < 2) {
        throw new TuneException(
            "%s line %d has %d token(s); a training text needs at least 2"
                .formatted(file, i + 1, ids.length));
      }
      if (ids.length > maxLength) {
        ids = java.util.Arrays.copyOf(ids, maxLength);
        truncated++;
      }
      tokens += ids.length;
      examples.add(TrainingExample.of(ids));
    }
    if (examples.isEmpty()) {
      throw new TuneException(
          "--data file %s holds no training texts; give one JSON object per line with a \"%s\" field"
              .formatted(file, textField));
    }
    return new Loaded(List.copyOf(examples), truncated, tokens);
  }
}
