package dev.iclab.data;

import java.nio.charset.Charset;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where one split's examples are and how to read them.
 *
 * @param file path, relative to the data directory unless absolute
 * @param format tsv (header row, tab separated, no quoting), csv (header row, RFC 4180 quoting) or
 *     jsonl (one object per line)
 * @param encoding the file's character set (decoding errors are reported, never replaced)
 * @param fields template slot name to column (or JSON key)
 * @param labelColumn column holding the label: its index or its name
 * @param idColumn column holding an example id, or null to use the row index
 * @param strip whether to strip leading and trailing whitespace of text fields (SST-2's GLUE files
 *     end every sentence with a space)
 * @param keepFirstOfDuplicateIds whether a row whose id repeats an earlier row's is left out
 *     (counted); otherwise it is an error, since ids key a run's samples and a repeat would
 *     silently stand for the row before it
 */
public record DataSource(
    String file,
    Format format,
    Charset encoding,
    Map<String, String> fields,
    String labelColumn,
    String idColumn,
    boolean strip,
    boolean keepFirstOfDuplicateIds) {

  /** File formats a task can name. */
  public enum Format {
    TSV,
    CSV,
    JSONL;

    public static Format parse(String name, String where) {
      return switch (name.toLowerCase(java.util.Locale.ROOT)) {
        case "tsv" -> TSV;
        case "csv" -> CSV;
        case "jsonl" -> JSONL;
        default ->
            throw new DatasetException(
                "%s: unknown format '%s'; use tsv, csv or jsonl".formatted(where, name));
      };
    }
  }

  public DataSource {
    if (fields.isEmpty()) {
      throw new IllegalArgumentException("no text field for " + file);
    }
    fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }

  /** The same reading rules for another file. */
  public DataSource withFile(String otherFile, Format otherFormat) {
    return new DataSource(
        otherFile,
        otherFormat,
        encoding,
        fields,
        labelColumn,
        idColumn,
        strip,
        keepFirstOfDuplicateIds);
  }

  /** A UTF-8 TSV with a header, a "label" column, fields stripped. */
  public static DataSource tsv(String file, Map<String, String> fields) {
    return new DataSource(
        file,
        Format.TSV,
        java.nio.charset.StandardCharsets.UTF_8,
        fields,
        "label",
        null,
        true,
        false);
  }
}
