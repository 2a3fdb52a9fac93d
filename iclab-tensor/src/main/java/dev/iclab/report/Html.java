package dev.iclab.report;

/** Text placed in the reports' HTML. */
public final class Html {
  private Html() {}

  /** {@code text} safe as an element's content. */
  public static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
