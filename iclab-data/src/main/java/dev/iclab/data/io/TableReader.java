package dev.iclab.data.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.data.DataSource.Format;
import dev.iclab.data.DatasetException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads TSV, CSV and JSONL files into rows keyed by column name, decoding strictly with the given
 * character set. Row line numbers are 1-based lines of the file (the header is line 1).
 */
public final class TableReader {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TableReader() {}

  /** One record and the line it starts on; a null value marks a column the row lacks. */
  public record Row(int line, Map<String, String> values) {}

  public static List<Row> read(Path file, Format format, Charset encoding) {
    List<String> lines = readLines(file, encoding);
    return switch (format) {
      case TSV -> delimited(file, lines);
      case CSV -> csv(file, lines);
      case JSONL -> jsonl(file, lines);
    };
  }

  private static List<String> readLines(Path file, Charset encoding) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new DatasetException(
          "dataset file %s does not exist; check --data-dir or the task's file".formatted(file));
    } catch (IOException e) {
      throw new DatasetException("cannot read %s: %s".formatted(file, e.getMessage())).causedBy(e);
    }
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out =
        CharBuffer.allocate(
            (int) (bytes.length * (double) encoding.newDecoder().maxCharsPerByte()) + 1);
    CoderResult result =
        encoding
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(in, out, true);
    if (result.isError()) {
      int line = 1;
      for (int i = 0; i < in.position(); i++) {
        line += bytes[i] == '\n' ? 1 : 0;
      }
      throw new DatasetException(
          "%s is not valid %s at line %d (byte %d); set the task's encoding (e.g. windows-1252)"
              .formatted(file, encoding, line, in.position()));
    }
    out.flip();
    String text = out.toString();
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    // Classic Mac files end lines with CR alone; elsewhere a lone CR is part of a cell.
    String lineEnd = text.indexOf('\n') < 0 && text.indexOf('\r') >= 0 ? "\r" : "\r?\n";
    List<String> lines = new ArrayList<>(List.of(text.split(lineEnd, -1)));
    if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
      lines.remove(lines.size() - 1);
    }
    return lines;
  }

  private static List<Row> delimited(Path file, List<String> lines) {
    if (lines.isEmpty()) {
      throw new DatasetException("%s is empty; a TSV file needs a header row".formatted(file));
    }
    String[] header = lines.get(0).split("\t", -1);
    List<Row> rows = new ArrayList<>();
    for (int i = 1; i < lines.size(); i++) {
      if (lines.get(i).isEmpty() && i == lines.size() - 1) {
        continue;
      }
      rows.add(new Row(i + 1, zip(header, lines.get(i).split("\t", -1))));
    }
    return rows;
  }

  private static Map<String, String> zip(String[] header, String[] cells) {
    Map<String, String> values = new LinkedHashMap<>();
    for (int c = 0; c < header.length; c++) {
      values.put(header[c], c < cells.length ? cells[c] : null);
    }
    return values;
  }

  private static List<Row> csv(Path file, List<String> lines) {
    List<Row> rows = new ArrayList<>();
    String[] header = null;
    int i = 0;
    while (i < lines.size()) {
      int start = i + 1;
      List<String> cells = new ArrayList<>();
      StringBuilder cell = new StringBuilder();
      boolean quoted = false;
      String line = lines.get(i++);
      int p = 0;
      while (true) {
        if (p >= line.length()) {
          if (quoted) {
            if (i >= lines.size()) {
              throw new DatasetException(
                  "%s line %d: unterminated quoted field; close the quote".formatted(file, start));
            }
            cell.append('\n');
            line = lines.get(i++);
            p = 0;
            continue;
          }
          cells.add(cell.toString());
          break;
        }
        char ch = line.charAt(p++);
        if (quoted) {
          if (ch == '"' && p < line.length() && line.charAt(p) == '"') {
            cell.append('"');
            p++;
          } else if (ch == '"') {
            quoted = false;
          } else {
            cell.append(ch);
          }
        } else if (ch == '"') {
          quoted = true;
        } else if (ch == ',') {
          cells.add(cell.toString());
          cell.setLength(0);
        } else {
          cell.append(ch);
        }
      }
      if (header == null) {
        header = cells.toArray(String[]::new);
      } else if (!(cells.size() == 1 && cells.get(0).isEmpty())) {
        rows.add(new Row(start, zip(header, cells.toArray(String[]::new))));
      }
    }
    if (header == null) {
      throw new DatasetException("%s is empty; a CSV file needs a header row".formatted(file));
    }
    return rows;
  }

  private static List<Row> jsonl(Path file, List<String> lines) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) {
        continue;
      }
      JsonNode node;
      try {
        node = JSON.readTree(lines.get(i));
      } catch (JsonProcessingException e) {
        throw new DatasetException(
            "%s line %d is not a JSON object: %s".formatted(file, i + 1, e.getOriginalMessage()));
      }
      if (node == null || !node.isObject()) {
        throw new DatasetException("%s line %d is not a JSON object".formatted(file, i + 1));
      }
      Map<String, String> values = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        values.put(e.getKey(), e.getValue().isNull() ? null : e.getValue().asText());
      }
      rows.add(new Row(i + 1, values));
    }
    return rows;
  }
}
