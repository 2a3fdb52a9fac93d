package dev.iclab.data;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Tasks by name. The built-ins use Dai et al.'s templates and label words (SCIENCE.md §2), one
 * space before the answer and a newline between demonstrations, on the files of ../shared/data.
 *
 * <ul>
 *   <li>sst2: GLUE train (67,349 phrases) / GLUE dev (872).
 *   <li>sst5: train / dev; the data's {@code sentence} column fills the {@code {text}} slot.
 *   <li>mr, subj: one file without a split; a seeded split ({@link Task.HeldOut}: 2,000 held out,
 *       seed 1) gives the evaluation set.
 *   <li>subj: the data's label 0 is subjective, 1 objective, so the words are (subjective,
 *       objective) in label order.
 *   <li>agnews: the training sample has no titles, so both splits use the description only; the
 *       "Classify the news articles..." sentence is the instruction, placed once before the
 *       demonstrations.
 *   <li>cb: train / validation (56), as SuperGLUE-based ICL work does.
 *   <li>rte, trec: not in Dai et al.; templates in the same style (trec's instruction and label
 *       words follow Zhao et al. 2021).
 * </ul>
 */
public final class TaskRegistry {
  private final Map<String, Task> tasks;

  private TaskRegistry(Map<String, Task> tasks) {
    this.tasks = tasks;
  }

  /** The built-in tasks. */
  public static TaskRegistry builtIn() {
    Map<String, Task> t = new LinkedHashMap<>();
    Map<String, String> sentence = Map.of("sentence", "sentence");
    Map<String, String> textFromSentence = Map.of("text", "sentence");
    Map<String, String> nli = new LinkedHashMap<>();
    nli.put("premise", "premise");
    nli.put("hypothesis", "hypothesis");
    add(
        t,
        new Task(
            "sst2",
            List.of("negative", "positive"),
            List.of("Negative", "Positive"),
            Template.of("Sentence: {sentence} Label:"),
            "",
            DataSource.tsv("sst2/glue_train.tsv", sentence),
            DataSource.tsv("sst2/glue_dev.tsv", sentence),
            null));
    add(
        t,
        new Task(
            "sst5",
            List.of("very negative", "negative", "neutral", "positive", "very positive"),
            List.of("terrible", "bad", "neutral", "good", "great"),
            Template.of("Sentence: {text} Label:"),
            "",
            DataSource.tsv("sst5/train.tsv", textFromSentence),
            DataSource.tsv("sst5/dev.tsv", textFromSentence),
            null));
    DataSource mr = DataSource.tsv("mr/mr.tsv", textFromSentence);
    add(
        t,
        new Task(
            "mr",
            List.of("negative", "positive"),
            List.of("Negative", "Positive"),
            Template.of("Review: {text} Sentiment:"),
            "",
            mr,
            mr,
            new Task.HeldOut(2000, 1)));
    DataSource subj = DataSource.tsv("subj/subj.tsv", textFromSentence);
    add(
        t,
        new Task(
            "subj",
            List.of("subjective", "objective"),
            List.of("subjective", "objective"),
            Template.of("Input: {text} Type:"),
            "",
            subj,
            subj,
            new Task.HeldOut(2000, 1)));
    Map<String, String> description = Map.of("text", "description");
    add(
        t,
        new Task(
            "agnews",
            List.of("World", "Sports", "Business", "Sci/Tech"),
            List.of("World", "Sports", "Business", "Technology"),
            Template.of("Article: {text} Answer:"),
            "Classify the news articles into the categories of World, Sports, Business, and"
                + " Technology.",
            DataSource.tsv("agnews/train_sample_10k.tsv", description),
            DataSource.tsv("agnews/test.tsv", description),
            null));
    add(
        t,
        new Task(
            "cb",
            List.of("entailment", "contradiction", "neutral"),
            List.of("True", "False", "Neither"),
            Template.of("{premise} Question: {hypothesis}. True, False, or Neither? Answer:"),
            "",
            DataSource.tsv("cb/train.tsv", nli),
            DataSource.tsv("cb/val.tsv", nli),
            null));
    add(
        t,
        new Task(
            "rte",
            List.of("entailment", "not_entailment"),
            List.of("True", "False"),
            Template.of("{premise} Question: {hypothesis} True or False? Answer:"),
            "",
            DataSource.tsv("rte/train.tsv", nli),
            DataSource.tsv("rte/val.tsv", nli),
            null));
    Map<String, String> question = Map.of("question", "question");
    add(
        t,
        new Task(
            "trec",
            List.of("ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM"),
            List.of("Abbreviation", "Description", "Entity", "Person", "Location", "Number"),
            Template.of("Question: {question} Answer Type:"),
            "Classify the questions based on whether their answer type is a Number, Location,"
                + " Person, Description, Entity, or Abbreviation.",
            DataSource.tsv("trec/train.tsv", question),
            DataSource.tsv("trec/test.tsv", question),
            null));
    return new TaskRegistry(t);
  }

  private static void add(Map<String, Task> tasks, Task task) {
    tasks.put(task.name(), task);
  }

  public Set<String> names() {
    return tasks.keySet();
  }

  /**
   * @throws DatasetException naming the known tasks when {@code name} is not one
   */
  public Task get(String name) {
    Task task = tasks.get(name);
    if (task == null) {
      throw new DatasetException(
          "unknown task '%s'; built-in tasks: %s, or describe your own with --task-file FILE"
              .formatted(name, String.join(", ", tasks.keySet())));
    }
    return task;
  }
}
