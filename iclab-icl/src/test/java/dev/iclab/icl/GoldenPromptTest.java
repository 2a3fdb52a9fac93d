package dev.iclab.icl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.iclab.data.Example;
import dev.iclab.data.Task;
import dev.iclab.data.TaskRegistry;
import dev.iclab.data.io.DatasetLoader;
import dev.iclab.tensor.SharedAssets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The exact text of each built-in task's prompt: separators, spacing around label words. */
class GoldenPromptTest {
  private static final TaskRegistry TASKS = TaskRegistry.builtIn();

  private static Prompt prompt(String task, List<Demo> demos, Example query) {
    Task t = TASKS.get(task);
    return new Prompt(t.instruction(), demos, query, t.template(), t.labelWords());
  }

  @Test
  void sst2() {
    Prompt p =
        prompt(
            "sst2",
            List.of(
                Demo.gold(Examples.of("1", 1, "sentence", "a gorgeous film")),
                Demo.gold(Examples.of("2", 0, "sentence", "dull and flat"))),
            Examples.of("q", 1, "sentence", "it 's fine"));
    assertEquals(
        "Sentence: a gorgeous film Label: Positive\n"
            + "Sentence: dull and flat Label: Negative\n"
            + "Sentence: it 's fine Label:",
        p.text());
    assertEquals(" Negative", p.continuation(0));
    assertEquals(" Positive", p.continuation(1));
  }

  @Test
  void sst5MrSubj() {
    assertEquals(
        "Sentence: bad Label: terrible\nSentence: ok Label:",
        prompt(
                "sst5",
                List.of(Demo.gold(Examples.of("1", 0, "text", "bad"))),
                Examples.of("q", 2, "text", "ok"))
            .text());
    assertEquals(
        "Review: fun Sentiment: Positive\nReview: meh Sentiment:",
        prompt(
                "mr",
                List.of(Demo.gold(Examples.of("1", 1, "text", "fun"))),
                Examples.of("q", 0, "text", "meh"))
            .text());
    assertEquals(
        "Input: i loved it Type: subjective\nInput: the film is 90 minutes Type: objective\n"
            + "Input: x Type:",
        prompt(
                "subj",
                List.of(
                    Demo.gold(Examples.of("1", 0, "text", "i loved it")),
                    Demo.gold(Examples.of("2", 1, "text", "the film is 90 minutes"))),
                Examples.of("q", 0, "text", "x"))
            .text());
  }

  @Test
  void agnewsInstructionOnceThenDemos() {
    assertEquals(
        "Classify the news articles into the categories of World, Sports, Business, and"
            + " Technology.\n"
            + "Article: Stocks fell. Answer: Business\n"
            + "Article: A new chip. Answer:",
        prompt(
                "agnews",
                List.of(Demo.gold(Examples.of("1", 2, "text", "Stocks fell."))),
                Examples.of("q", 3, "text", "A new chip."))
            .text());
    assertEquals(
        " Technology",
        prompt("agnews", List.of(), Examples.of("q", 3, "text", "x")).continuation(3));
  }

  @Test
  void cbRteTrec() {
    assertEquals(
        "It rained. Question: the ground is wet. True, False, or Neither? Answer: True\n"
            + "He left. Question: he stayed. True, False, or Neither? Answer:",
        prompt(
                "cb",
                List.of(
                    Demo.gold(
                        Examples.of(
                            "1", 0, "premise", "It rained.", "hypothesis", "the ground is wet"))),
                Examples.of("q", 1, "premise", "He left.", "hypothesis", "he stayed"))
            .text());
    assertEquals(
        "A. Question: B. True or False? Answer: False\nC. Question: D. True or False? Answer:",
        prompt(
                "rte",
                List.of(Demo.gold(Examples.of("1", 1, "premise", "A.", "hypothesis", "B."))),
                Examples.of("q", 0, "premise", "C.", "hypothesis", "D."))
            .text());
    assertEquals(
        "Classify the questions based on whether their answer type is a Number, Location, Person,"
            + " Description, Entity, or Abbreviation.\n"
            + "Question: Who wrote Hamlet ? Answer Type: Person\n"
            + "Question: How far is it ? Answer Type:",
        prompt(
                "trec",
                List.of(Demo.gold(Examples.of("1", 3, "question", "Who wrote Hamlet ?"))),
                Examples.of("q", 5, "question", "How far is it ?"))
            .text());
  }

  @Test
  void labelCorruptionForms() {
    Example a = Examples.of("1", 1, "sentence", "great");
    Example q = Examples.of("q", 0, "sentence", "bad");
    assertEquals(
        "Sentence: great\nSentence: bad Label:",
        prompt("sst2", LabelMode.parse("none").apply(List.of(a), 2, 1), q).text());
    assertEquals(
        "Label: Positive\nSentence: bad Label:",
        prompt("sst2", LabelMode.parse("labels-only").apply(List.of(a), 2, 1), q).text());
    assertEquals(
        "Sentence: great Label: Negative\nSentence: bad Label:",
        prompt("sst2", LabelMode.parse("correct:0").apply(List.of(a), 2, 1), q).text());
  }

  @Test
  void realSst2PromptSeed1TwoShots() {
    var splits =
        new DatasetLoader(SharedAssets.requireShared("data"), false).load(TASKS.get("sst2"));
    List<Example> chosen =
        DemoSelector.parse("random", splits.train()).select(splits.eval().get(0), 2, 1);
    Prompt p = prompt("sst2", LabelMode.parse("gold").apply(chosen, 2, 1), splits.eval().get(0));
    assertEquals(GOLDEN_SST2_SEED1, p.text());
  }

  // glue_train.tsv lines 47,891 and a random phrase, then glue_dev.tsv line 2; GLUE's trailing
  // space before the tab is stripped.
  static final String GOLDEN_SST2_SEED1 =
      "Sentence: mr. deeds is sure to give you a lot of laughs in this simple , sweet and romantic"
          + " comedy . Label: Positive\n"
          + "Sentence: is a powerful , naturally dramatic piece of low-budget filmmaking Label:"
          + " Positive\n"
          + "Sentence: it 's a charming and often affecting journey . Label:";
}
