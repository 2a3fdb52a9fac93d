package dev.iclab.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How an example becomes prompt text. {@code pattern} has named slots such as {@code {sentence}}
 * and ends with the answer cue, e.g. {@code "Sentence: {sentence} Label:"}; a demonstration is the
 * rendered pattern, then {@code answerPrefix}, then its label word ({@code "Sentence: a fine film
 * Label: Positive"}); the query is the rendered pattern alone, and each label word is scored as the
 * continuation {@code answerPrefix + word}. Demonstrations, the instruction and the query are
 * joined by {@code separator}. Slot values are inserted verbatim.
 *
 * <p>The part of the pattern up to the end of its last slot is the <em>input</em> (used alone for
 * demonstrations without labels); the rest is the <em>cue</em>.
 */
public record Template(String pattern, String answerPrefix, String separator) {
  private static final Pattern SLOT = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)}");

  public Template {
    if (slots(pattern).isEmpty()) {
      throw new IllegalArgumentException(
          "template '" + pattern + "' has no slot; use e.g. 'Sentence: {sentence} Label:'");
    }
  }

  /** Dai et al.'s layout: one space before the answer, a newline between demonstrations. */
  public static Template of(String pattern) {
    return new Template(pattern, " ", "\n");
  }

  /** The slot names in order of appearance. */
  public List<String> slots() {
    return slots(pattern);
  }

  private static List<String> slots(String pattern) {
    List<String> names = new ArrayList<>();
    Matcher m = SLOT.matcher(pattern);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  /** The pattern with every slot filled: the query text. */
  public String render(Example example) {
    return fill(pattern, example.fields());
  }

  /** Demonstration text: rendered pattern, answer prefix, label word. */
  public String renderDemo(Example example, String labelWord) {
    return render(example) + answerPrefix + labelWord;
  }

  /** The input part only (pattern up to the end of its last slot), for demos without labels. */
  public String renderInput(Example example) {
    return fill(pattern.substring(0, inputEnd()), example.fields());
  }

  /** The cue part and the label word only, for demos without inputs, e.g. {@code "Label: Pos"}. */
  public String renderLabelOnly(String labelWord) {
    return pattern.substring(inputEnd()).strip() + answerPrefix + labelWord;
  }

  private int inputEnd() {
    Matcher m = SLOT.matcher(pattern);
    int end = 0;
    while (m.find()) {
      end = m.end();
    }
    return end;
  }

  private static String fill(String text, Map<String, String> fields) {
    Matcher m = SLOT.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = fields.get(m.group(1));
      if (value == null) {
        throw new IllegalArgumentException(
            "slot {" + m.group(1) + "} has no field; fields: " + fields.keySet());
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }
}
