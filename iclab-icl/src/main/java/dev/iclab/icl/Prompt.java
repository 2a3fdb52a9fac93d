package dev.iclab.icl;

import dev.iclab.data.Example;
import dev.iclab.data.Template;
import java.util.List;

/**
 * An in-context learning prompt: instruction, demonstrations in order, and the query. Its text is
 * {@code instruction + sep} (when there is one), then every demonstration followed by {@code sep},
 * then the query rendered without its answer. The prefix (everything before the query) is shared by
 * every query with the same demonstrations.
 *
 * @param labelWords the verbalizer's words, by label index
 */
public record Prompt(
    String instruction,
    List<Demo> demos,
    Example query,
    Template template,
    List<String> labelWords) {
  public Prompt {
    demos = List.copyOf(demos);
    labelWords = List.copyOf(labelWords);
  }

  /** Everything before the query: instruction and demonstrations, each followed by a separator. */
  public String prefixText() {
    StringBuilder text = new StringBuilder();
    if (!instruction.isEmpty()) {
      text.append(instruction).append(template.separator());
    }
    for (Demo demo : demos) {
      text.append(render(demo)).append(template.separator());
    }
    return text.toString();
  }

  /** The query rendered without its answer. */
  public String queryText() {
    return template.render(query);
  }

  /** The whole prompt: {@code prefixText() + queryText()}. */
  public String text() {
    return prefixText() + queryText();
  }

  /** The continuation scored for a label: answer prefix then the label word. */
  public String continuation(int label) {
    return template.answerPrefix() + labelWords.get(label);
  }

  private String render(Demo demo) {
    return switch (demo.form()) {
      case FULL -> template.renderDemo(demo.example(), labelWords.get(demo.shownLabel()));
      case INPUT_ONLY -> template.renderInput(demo.example());
      case LABEL_ONLY -> template.renderLabelOnly(labelWords.get(demo.shownLabel()));
    };
  }

  /** The same demonstrations with another query. */
  public Prompt withQuery(Example newQuery) {
    return new Prompt(instruction, demos, newQuery, template, labelWords);
  }

  /** The same prompt without its first {@code n} demonstrations (those farthest from the query). */
  public Prompt dropFirst(int n) {
    return new Prompt(instruction, demos.subList(n, demos.size()), query, template, labelWords);
  }
}
