package dev.iclab.icl;

import dev.iclab.data.Example;
import dev.iclab.data.Template;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.generate.GenerationConfig;
import dev.iclab.lm.generate.Generator;
import dev.iclab.lm.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lu et al.'s artificial development set, sampled from the model itself: for each order of the
 * demonstrations, one probing input. Its slots are sampled in turn (temperature 1, nucleus 0.9, at
 * most {@link #MAX_TOKENS} tokens per slot, seeded): the model continues the instruction, the
 * demonstrations and the template's text up to the slot (with the slots sampled so far filled in),
 * and the slot's value is what it writes before the first newline or the template's text that
 * follows the slot (the next slot's lead-in, e.g. "Question:", or the answer cue). Demonstrations
 * that would leave no room for the slots are dropped from the far end. So a two-slot template such
 * as CB's {@code "{premise} Question: {hypothesis}. True, False, or Neither? Answer:"} gets a
 * sampled premise, then a hypothesis sampled after it.
 */
public final class ProbingSet {
  public static final int MAX_TOKENS = 32;

  private static final Pattern SLOT = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)}");

  private ProbingSet() {}

  /**
   * One probe per prompt (the prompts' queries are ignored), with ids {@code probe-0}, {@code
   * probe-1}, ... and label 0 (probes are unlabelled).
   */
  public static List<Example> sample(
      CausalLM model, Tokenizer tokenizer, List<Prompt> orders, long seed) {
    Template template = orders.get(0).template();
    List<String> slots = template.slots();
    List<String> literals = literals(template.pattern());
    Generator generator = new Generator(model);
    List<Example> probes = new ArrayList<>();
    String allLiterals = String.join("", literals);
    for (int i = 0; i < orders.size(); i++) {
      // Like scoring prompts, a probing prompt that would not leave room for its slots loses whole
      // demonstrations from the far end.
      Prompt order = orders.get(i);
      while (!order.demos().isEmpty()
          && tokenizer.encode(order.prefixText() + allLiterals).length + MAX_TOKENS * slots.size()
              > model.config().contextLength()) {
        order = order.dropFirst(1);
      }
      StringBuilder text = new StringBuilder(order.prefixText());
      Map<String, String> fields = new LinkedHashMap<>();
      for (int s = 0; s < slots.size(); s++) {
        text.append(literals.get(s));
        // The space before a slot belongs to its first word's token (" word" in GPT-2's BPE).
        String context = text.toString().replaceAll("[ \\t]+$", "");
        String marker = literals.get(s + 1).strip();
        List<String> stops = marker.isEmpty() ? List.of("\n") : List.of("\n", marker);
        long slotSeed = s == 0 ? seed * 1000 + i : (seed * 1000 + i) * 31 + s;
        GenerationConfig config =
            new GenerationConfig(
                MAX_TOKENS, false, 1.0, 0, 0.9, slotSeed, tokenizer.eosTokenIds(), stops);
        Generator.Result result =
            generator.generate(
                tokenizer.encode(context), config, ids -> tokenizer.decode(ids, true));
        String value = cut(tokenizer.decode(result.generatedIds(), true), marker);
        fields.put(slots.get(s), value);
        text.append(value); // the next slot is sampled after this one, as the template reads
      }
      probes.add(new Example("probe-" + i, fields, 0));
    }
    return probes;
  }

  /**
   * A sampled slot value: the text before the first newline and before {@code marker} (when it is
   * not empty), stripped.
   */
  static String cut(String generated, String marker) {
    String value = generated;
    int newline = value.indexOf('\n');
    if (newline >= 0) {
      value = value.substring(0, newline);
    }
    if (!marker.isEmpty() && value.contains(marker)) {
      value = value.substring(0, value.indexOf(marker));
    }
    return value.strip();
  }

  /**
   * The pattern's text around its slots: {@code slots + 1} pieces, before the first slot, between
   * slots, and after the last (the answer cue).
   */
  static List<String> literals(String pattern) {
    List<String> pieces = new ArrayList<>();
    Matcher m = SLOT.matcher(pattern);
    int from = 0;
    while (m.find()) {
      pieces.add(pattern.substring(from, m.start()));
      from = m.end();
    }
    pieces.add(pattern.substring(from));
    return pieces;
  }
}
