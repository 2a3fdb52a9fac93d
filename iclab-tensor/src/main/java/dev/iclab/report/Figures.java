package dev.iclab.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * A report's plots: each written as a PNG into the report's folder (atomically) and shown in the
 * page under its heading, with a caption.
 */
public final class Figures {
  private final Path dir;
  private final StringBuilder html = new StringBuilder();
  private final List<String> written = new ArrayList<>();

  /** Plots written into {@code dir}, beside the page that shows them. */
  public Figures(Path dir) {
    this.dir = dir;
  }

  /**
   * Draws {@code chart} into {@code png} and adds its section, when {@code meaningful}; otherwise
   * does nothing (the chart is not even built).
   *
   * @param captionHtml the caption, HTML as given
   */
  public void add(
      boolean meaningful,
      String png,
      Supplier<? extends Chart<?, ?>> chart,
      String heading,
      String captionHtml) {
    if (meaningful) {
      Plots.writePng(dir.resolve(png), chart.get());
      written.add(png);
      html.append("<h2>")
          .append(Html.escape(heading))
          .append("</h2>\n<p>")
          .append(captionHtml)
          .append("</p>\n")
          .append(Html.image(png, heading));
    }
  }

  /** The sections added, in order. */
  public String html() {
    return html.toString();
  }

  /** The PNG files written, in order. */
  public List<String> written() {
    return List.copyOf(written);
  }
}
