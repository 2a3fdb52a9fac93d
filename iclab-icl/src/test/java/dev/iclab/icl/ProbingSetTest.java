package dev.iclab.icl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.data.Example;
import dev.iclab.data.Task;
import dev.iclab.data.TaskRegistry;
import dev.iclab.lm.LanguageModel;
import dev.iclab.lm.TestModels;
import dev.iclab.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Lu et al.'s probing inputs, sampled slot by slot, for one- and two-slot templates. */
class ProbingSetTest {
  @Test
  void templateTextAroundTheSlotsAndCutting() {
    assertEquals(
        List.of("", " Question: ", ". True, False, or Neither? Answer:"),
        ProbingSet.literals("{premise} Question: {hypothesis}. True, False, or Neither? Answer:"));
    assertEquals(List.of("Sentence: ", " Label:"), ProbingSet.literals("Sentence: {x} Label:"));
    assertEquals(
        "the dog ran",
        ProbingSet.cut(
            " the dog ran. True, False, or Neither? Answer: True",
            ". True, False, or Neither? Answer:"));
    assertEquals("It rained.", ProbingSet.cut(" It rained. Question: is it wet", "Question:"));
    assertEquals("a cat", ProbingSet.cut(" a cat\nSentence: x Label:", "Label:"));
    assertEquals("two words", ProbingSet.cut("two words ", ""));
  }

  @Test
  void twoSlotTemplateGetsBothFieldsSampledDeterministically() {
    Tensors.configureOffline();
    Task cb = TaskRegistry.builtIn().get("cb");
    List<Demo> demos =
        List.of(
            Demo.gold(
                Examples.of(
                    "1", 0, "premise", "Lily had a red ball.", "hypothesis", "Lily had a ball")),
            Demo.gold(
                Examples.of(
                    "2", 1, "premise", "Tom was sad all day.", "hypothesis", "Tom was happy")));
    List<Prompt> orders = new ArrayList<>();
    for (int[] p : DemoOrder.permutations(2)) {
      for (int copy = 0; copy < 2; copy++) {
        orders.add(
            new Prompt(
                "",
                DemoOrder.apply(demos, p),
                Examples.of("q", 0, "premise", "-", "hypothesis", "-"),
                cb.template(),
                cb.labelWords()));
      }
    }
    try (LanguageModel lm =
        LanguageModel.open(TestModels.model("tinystories-656k"), ai.djl.Device.cpu())) {
      List<Example> probes = ProbingSet.sample(lm.model(), lm.requireTokenizer(), orders, 5);
      assertEquals(4, probes.size());
      int complete = 0;
      for (Example probe : probes) {
        assertEquals(List.of("premise", "hypothesis"), List.copyOf(probe.fields().keySet()));
        for (String value : probe.fields().values()) {
          assertFalse(value.contains("\n") || value.contains("Question:"), value);
          assertFalse(value.contains("True, False, or Neither?"), value);
          assertEquals(value.strip(), value);
        }
        complete += probe.fields().values().stream().allMatch(v -> !v.isEmpty()) ? 1 : 0;
      }
      assertTrue(complete > 0, "at least one probe with both fields sampled: " + probes);
      assertFalse(
          probes.get(0).fields().equals(probes.get(1).fields()),
          "each order draws its own probe: " + probes);
      assertEquals(
          probes,
          ProbingSet.sample(lm.model(), lm.requireTokenizer(), orders, 5),
          "seeded: the same probes again");
      // A probe renders through the template like any query.
      String rendered = cb.template().render(probes.get(0));
      assertTrue(rendered.endsWith(". True, False, or Neither? Answer:"), rendered);
    }
  }
}
