package dev.iclab.lm;

import ai.djl.Device;
import dev.iclab.IclabException;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.tokenizer.HfTokenizer;
import dev.iclab.lm.tokenizer.Tokenizer;
import dev.iclab.lm.tokenizer.VocabularyCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A model directory opened for use: the network and, when the directory has one, its tokenizer.
 * Closing it frees both.
 */
public final class LanguageModel implements AutoCloseable {
  private final Path directory;
  private final CausalLM model;
  private final Tokenizer tokenizer;

  private LanguageModel(Path directory, CausalLM model, Tokenizer tokenizer) {
    this.directory = directory;
    this.model = model;
    this.tokenizer = tokenizer;
  }

  /**
   * Opens {@code directory}: config.json + safetensors, and tokenizer.json (or GPT-2's vocab.json +
   * merges.txt) when present.
   */
  public static LanguageModel open(Path directory, Device device) {
    CausalLM model = ModelLoader.standard().load(directory, device);
    try {
      boolean hasTokenizer =
          Files.exists(directory.resolve("tokenizer.json"))
              || Files.exists(directory.resolve("vocab.json"));
      Tokenizer tokenizer =
          hasTokenizer
              ? VocabularyCheck.of(
                  HfTokenizer.load(directory), model.config().vocabSize(), directory)
              : null;
      return new LanguageModel(directory, model, tokenizer);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  public Path directory() {
    return directory;
  }

  public CausalLM model() {
    return model;
  }

  public Optional<Tokenizer> tokenizer() {
    return Optional.ofNullable(tokenizer);
  }

  /**
   * The tokenizer, or an error saying that text needs one.
   *
   * @throws IclabException when the directory has no tokenizer files
   */
  public Tokenizer requireTokenizer() {
    if (tokenizer == null) {
      throw new IclabException(
          "%s has no tokenizer.json, so text cannot be encoded; copy the model's tokenizer.json there, or pass token ids (--ids)"
              .formatted(directory));
    }
    return tokenizer;
  }

  /** End-of-sequence ids: config.json's, else the tokenizer's (generation_config.json etc.). */
  public List<Integer> eosTokenIds() {
    Set<Integer> ids = new LinkedHashSet<>(model.config().eosTokenIds());
    if (ids.isEmpty() && tokenizer != null) {
      ids.addAll(tokenizer.eosTokenIds());
    }
    return new ArrayList<>(ids);
  }

  @Override
  public void close() {
    try {
      if (tokenizer != null) {
        tokenizer.close();
      }
    } finally {
      model.close();
    }
  }
}
