package dev.iclab.report;

import java.util.List;

/** Text placed in the reports' HTML, and the parts the reports share. */
public final class Html {
  private Html() {}

  /** {@code text} safe as an element's content. */
  public static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  /** {@code text} safe inside a double-quoted attribute. */
  public static String attribute(String text) {
    return escape(text).replace("\"", "&quot;");
  }

  /**
   * A whole page: {@code title} (escaped) as its title and first heading, then {@code body} (HTML,
   * as given).
   */
  public static String page(String title, String body) {
    return "<!doctype html><html><head><meta charset=\"utf-8\"><title>"
        + escape(title)
        + "</title><style>body{font-family:sans-serif;max-width:64em;margin:2em auto}"
        + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;"
        + "text-align:right}td:first-child{text-align:left}th{background:#eee}</style>"
        + "</head><body>\n<h1>"
        + escape(title)
        + "</h1>\n"
        + body
        + "</body></html>\n";
  }

  /** An image in its own paragraph. */
  public static String image(String file, String alt) {
    return "<p><img src=\"%s\" alt=\"%s\"></p>\n".formatted(attribute(file), attribute(alt));
  }

  /** A table of text cells (escaped), the header first. */
  public static String table(List<String> header, List<List<String>> rows) {
    StringBuilder out = new StringBuilder("<table>\n<tr>");
    header.forEach(h -> out.append("<th>").append(escape(h)).append("</th>"));
    out.append("</tr>\n");
    for (List<String> row : rows) {
      out.append("<tr>");
      row.forEach(c -> out.append("<td>").append(escape(c)).append("</td>"));
      out.append("</tr>\n");
    }
    return out.append("</table>\n").toString();
  }
}
