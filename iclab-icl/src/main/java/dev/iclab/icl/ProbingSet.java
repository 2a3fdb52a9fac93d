package dev.iclab.icl;

import dev.iclab.IclabException;
import dev.iclab.data.Example;
import dev.iclab.data.Template;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.generate.GenerationConfig;
import dev.iclab.lm.generate.Generator;
import dev.iclab.lm.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Lu et al.'s artificial development set, sampled from the model itself: for each order of the
 * demonstrations, the prompt (instruction + demonstrations + the template's text before its slot)
 * is continued by sampling (temperature 1, nucleus 0.9, at most {@link #MAX_TOKENS} tokens, seeded)
 * up to the first newline or the template's answer cue; the text becomes one probing input. Needs a
 * template with one slot.
 */
public final class ProbingSet {
  public static final int MAX_TOKENS = 32;

  private ProbingSet() {}

  public static List<Example> sample(
      CausalLM model, Tokenizer tokenizer, List<Prompt> orders, long seed) {
    Template template = orders.get(0).template();
    if (template.slots().size() != 1) {
      throw new IclabException(
          "--order globale/locale samples probing inputs for one slot, but the template '%s' has %d; use another --order"
              .formatted(template.pattern(), template.slots().size()));
    }
    String slot = template.slots().get(0);
    String before = template.pattern().substring(0, template.pattern().indexOf('{'));
    String cue = template.pattern().substring(template.pattern().indexOf('}') + 1).strip();
    List<Example> probes = new ArrayList<>();
    for (int i = 0; i < orders.size(); i++) {
      Prompt p = orders.get(i);
      String text = (p.prefixText() + before).stripTrailing();
      GenerationConfig config =
          new GenerationConfig(
              MAX_TOKENS,
              false,
              1.0,
              0,
              0.9,
              seed * 1000 + i,
              tokenizer.eosTokenIds(),
              List.of("\n"));
      Generator.Result result =
          new Generator(model)
              .generate(tokenizer.encode(text), config, ids -> tokenizer.decode(ids, true));
      String generated = tokenizer.decode(result.generatedIds(), true);
      int end = generated.indexOf('\n');
      if (end >= 0) {
        generated = generated.substring(0, end);
      }
      if (!cue.isEmpty() && generated.contains(cue)) {
        generated = generated.substring(0, generated.indexOf(cue));
      }
      generated = generated.strip();
      probes.add(new Example("probe-" + i, java.util.Map.of(slot, generated), 0));
    }
    return probes;
  }
}
