package dev.iclab.analysis.report;

import dev.iclab.report.Html;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** A small table rendered as Markdown or HTML, so both reports show the same numbers. */
final class Table {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  Table(String... header) {
    this.header = List.of(header);
  }

  Table row(String... cells) {
    if (cells.length != header.size()) {
      throw new IllegalArgumentException(cells.length + " cells for " + header.size() + " columns");
    }
    rows.add(List.of(cells));
    return this;
  }

  String markdown() {
    StringBuilder out = new StringBuilder();
    out.append("| ").append(String.join(" | ", header)).append(" |\n");
    out.append("|").append("---|".repeat(header.size())).append('\n');
    for (List<String> row : rows) {
      out.append("| ").append(String.join(" | ", row)).append(" |\n");
    }
    return out.toString();
  }

  String html() {
    return Html.table(header, rows);
  }

  static String escape(String text) {
    return Html.escape(text);
  }

  /** A fraction as a percentage with one decimal, "-" when undefined. */
  static String pct(double fraction) {
    return Double.isNaN(fraction) ? "-" : String.format(Locale.ROOT, "%.1f", 100 * fraction);
  }

  /** Four significant digits, "-" when undefined. */
  static String num(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.4g", v);
  }

  /** Counts per label, colon separated. */
  static String counts(int[] counts) {
    return Arrays.stream(counts).mapToObj(String::valueOf).collect(Collectors.joining(":"));
  }
}
