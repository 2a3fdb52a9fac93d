package dev.iclab.icl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.data.TaskRegistry;
import dev.iclab.lm.ContextOverflowException;
import dev.iclab.lm.TestModels;
import dev.iclab.lm.tokenizer.HfTokenizer;
import dev.iclab.lm.tokenizer.Tokenizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Demonstrations that do not fit are dropped whole, from the far end. */
class PromptBuilderTest {
  @Test
  void dropsWholeDemosFromTheFarEnd() {
    var task = TaskRegistry.builtIn().get("sst2");
    try (Tokenizer tokenizer = HfTokenizer.load(TestModels.model("tinystories-656k"))) {
      int window = 120;
      PromptBuilder builder = new PromptBuilder(task, tokenizer, window);
      List<Demo> demos = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        demos.add(
            Demo.gold(
                Examples.of(
                    "d" + i, i % 2, "sentence", "the little dog number " + i + " ran home")));
      }
      Prompt full =
          new Prompt(
              "",
              demos,
              Examples.of("q", 0, "sentence", "a sad day"),
              task.template(),
              task.labelWords());
      Prompt fitted = builder.fit(full);
      int kept = fitted.demos().size();
      assertTrue(kept > 0 && kept < 8, "kept " + kept);
      assertEquals(demos.subList(8 - kept, 8), fitted.demos(), "the demos next to the query stay");
      int answer = tokenizer.encode(" Negative", false).length;
      assertTrue(tokenizer.encode(fitted.text()).length + answer <= window);
      Prompt oneMore = full.dropFirst(8 - kept - 1);
      assertTrue(
          tokenizer.encode(oneMore.text()).length + answer > window, "one more would not fit");
      assertTrue(fitted.text().startsWith("Sentence: the little dog number " + (8 - kept) + " "));

      Prompt huge =
          new Prompt(
              "",
              List.of(),
              Examples.of("long", 0, "sentence", "word ".repeat(200)),
              task.template(),
              task.labelWords());
      var e = assertThrows(ContextOverflowException.class, () -> builder.fit(huge));
      assertTrue(e.getMessage().contains("example long"), e.getMessage());
    }
  }

  /** --shots 5000 where a handful fit: bisection tokenizes the prompt a few times, not 5000. */
  @Test
  void thousandsOfShotsFitQuickly() {
    var task = TaskRegistry.builtIn().get("sst2");
    try (Tokenizer tokenizer = HfTokenizer.load(TestModels.model("tinystories-656k"))) {
      PromptBuilder builder = new PromptBuilder(task, tokenizer, 512);
      List<Demo> demos = new ArrayList<>();
      for (int i = 0; i < 5000; i++) {
        demos.add(Demo.gold(Examples.of("d" + i, i % 2, "sentence", "a fine film number " + i)));
      }
      Prompt full =
          new Prompt(
              "",
              demos,
              Examples.of("q", 0, "sentence", "a sad day"),
              task.template(),
              task.labelWords());
      Prompt fitted = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> builder.fit(full));
      int kept = fitted.demos().size();
      int answer = tokenizer.encode(" Negative", false).length;
      assertTrue(kept > 0 && tokenizer.encode(fitted.text()).length + answer <= 512);
      assertTrue(
          tokenizer.encode(full.dropFirst(5000 - kept - 1).text()).length + answer > 512,
          "the fewest demonstrations were dropped: one more would not fit");
    }
  }
}
