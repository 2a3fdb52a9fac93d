package dev.iclab.tune.pretrain;

import dev.iclab.lm.tokenizer.Tokenizer;
import dev.iclab.tune.TrainingExample;
import dev.iclab.tune.TuneException;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A text corpus cut into training windows, as Hugging Face's run_clm groups texts: each non-blank
 * line is one document, encoded with the tokenizer's special tokens (e.g. a BOS) and followed by
 * its EOS when it has one; the documents are concatenated and cut into consecutive windows of
 * {@code context} tokens; the remainder shorter than a window is dropped.
 *
 * @param windows the windows, in file order
 * @param documents non-blank lines read
 * @param tokens tokens of all documents (the dropped remainder included)
 */
public record Corpus(List<TrainingExample> windows, int documents, long tokens) {
  public Corpus {
    windows = List.copyOf(windows);
  }

  /**
   * Reads and cuts {@code file}.
   *
   * @param flag the option that named the file (for error messages)
   * @throws TuneException when the file is missing, not UTF-8, empty, or shorter than one window
   */
  public static Corpus read(Path file, String flag, Tokenizer tokenizer, int context) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (NoSuchFileException e) {
      throw new TuneException("%s file %s does not exist".formatted(flag, file));
    } catch (MalformedInputException e) {
      throw new TuneException(
          "%s file %s is not UTF-8 text; convert it (iconv -t UTF-8)".formatted(flag, file));
    } catch (IOException e) {
      throw new TuneException("cannot read %s file %s: %s".formatted(flag, file, e.getMessage()));
    }
    int eos = tokenizer.eosTokenId().orElse(-1);
    int[] ids = new int[1 << 16];
    int length = 0;
    int documents = 0;
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      documents++;
      int[] doc = tokenizer.encode(line.strip(), true);
      int need = length + doc.length + 1;
      if (need > ids.length) {
        ids = Arrays.copyOf(ids, Math.max(need, ids.length * 2));
      }
      System.arraycopy(doc, 0, ids, length, doc.length);
      length += doc.length;
      if (eos >= 0) {
        ids[length++] = eos;
      }
    }
    if (documents == 0) {
      throw new TuneException(
          "%s file %s holds no text; give UTF-8 text, one document or paragraph per line"
              .formatted(flag, file));
    }
    if (length < context) {
      throw new TuneException(
          "%s file %s has %d tokens, fewer than one --context window of %d; give more text or a smaller --context"
              .formatted(flag, file, length, context));
    }
    List<TrainingExample> windows = new ArrayList<>();
    for (int start = 0; start + context <= length; start += context) {
      windows.add(TrainingExample.of(Arrays.copyOfRange(ids, start, start + context)));
    }
    return new Corpus(windows, documents, length);
  }

  /**
   * {@code limit} windows spread evenly over the corpus (all when limit is 0 or at least their
   * number), so that a capped evaluation still samples the whole file.
   */
  public Corpus spread(int limit) {
    if (limit <= 0 || limit >= windows.size()) {
      return this;
    }
    List<TrainingExample> chosen = new ArrayList<>();
    for (int i = 0; i < limit; i++) {
      chosen.add(windows.get((int) ((long) i * windows.size() / limit)));
    }
    return new Corpus(chosen, documents, tokens);
  }
}
