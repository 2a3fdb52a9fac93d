package dev.iclab.data.fewshot;

import dev.iclab.data.DataSource;
import dev.iclab.data.DatasetException;
import dev.iclab.data.Task;
import dev.iclab.data.TaskRegistry;
import dev.iclab.data.Template;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Task names for few-shot studies: every built-in task by its name, {@code dbpedia} (Lu et al.'s
 * 256-row DBpedia sample, 14 classes), and the derived families: every pair of classes of a
 * multi-class task as a binary task, named {@code family:A-vs-B} with A before B in the base task's
 * label order (trec 15 pairs, agnews 6, sst5 10, dbpedia 91). Class names in pair names are the
 * base's label names with every run of other characters than letters and digits made one underscore
 * ({@code agnews:Sports-vs-Sci_Tech}, {@code sst5:very_negative-vs-neutral}); {@code family:*}
 * stands for all pairs of a family, in order.
 */
public final class TaskFamilies {
  /** Zhao et al. (2021)'s DBpedia label words, one word per class of classes.txt. */
  private static final List<String> DBPEDIA_WORDS =
      List.of(
          "Company",
          "School",
          "Artist",
          "Athlete",
          "Politics",
          "Transportation",
          "Building",
          "Nature",
          "Village",
          "Animal",
          "Plant",
          "Album",
          "Film",
          "Book");

  private static final List<String> DBPEDIA_CLASSES =
      List.of(
          "Company",
          "EducationalInstitution",
          "Artist",
          "Athlete",
          "OfficeHolder",
          "MeanOfTransportation",
          "Building",
          "NaturalPlace",
          "Village",
          "Animal",
          "Plant",
          "Album",
          "Film",
          "WrittenWork");

  /** A multi-class task whose pairs are derived; {@code classNames} name them in pair names. */
  private record Family(Task base, List<String> classNames, boolean testFromPool) {}

  private final Map<String, Task> whole;
  private final Map<String, Family> families;

  private TaskFamilies(Map<String, Task> whole, Map<String, Family> families) {
    this.whole = whole;
    this.families = families;
  }

  /**
   * The built-in tasks, dbpedia, cr and mpqa (Lu et al.'s files), and the pair families of trec,
   * agnews, sst5 and dbpedia.
   */
  public static TaskFamilies standard() {
    TaskRegistry builtIn = TaskRegistry.builtIn();
    Map<String, Task> whole = new LinkedHashMap<>();
    builtIn.names().forEach(n -> whole.put(n, builtIn.get(n)));
    Task dbpedia = dbpedia();
    whole.put(dbpedia.name(), dbpedia);
    for (Task lu :
        List.of(
            binaryLu("cr", "Review: {text} Sentiment:"),
            binaryLu("mpqa", "Phrase: {text} Sentiment:"))) {
      whole.put(lu.name(), lu);
    }
    Map<String, Family> families = new LinkedHashMap<>();
    for (String name : List.of("trec", "agnews", "sst5")) {
      Task base = whole.get(name);
      families.put(name, new Family(base, base.labelNames(), false));
    }
    families.put("dbpedia", new Family(dbpedia, DBPEDIA_CLASSES, true));
    return new TaskFamilies(whole, families);
  }

  /**
   * Families over the given tasks (e.g. a user's task, or a test fixture): each task is known by
   * its name, and each with more than two labels also gives its pairs.
   *
   * @param testFromPool whether their test examples come from the training pool's rest
   */
  public static TaskFamilies of(List<Task> tasks, boolean testFromPool) {
    Map<String, Task> whole = new LinkedHashMap<>();
    Map<String, Family> families = new LinkedHashMap<>();
    for (Task t : tasks) {
      whole.put(t.name(), t);
      if (t.numLabels() > 2) {
        families.put(t.name(), new Family(t, t.labelNames(), testFromPool));
      }
    }
    return new TaskFamilies(whole, families);
  }

  /** DBpedia from Lu et al.'s sample: labels "1".."14" as the file spells them. */
  static Task dbpedia() {
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= DBPEDIA_WORDS.size(); i++) {
      ids.add(Integer.toString(i));
    }
    DataSource sample = luJsonl("dbpedia/dev_subsample.jsonl");
    return new Task(
        "dbpedia",
        ids,
        DBPEDIA_WORDS,
        Template.of("Article: {text} Answer:"),
        "",
        sample,
        sample,
        null);
  }

  /**
   * A binary sentiment task of Lu et al.'s files (CR, MPQA: labels "0" negative, "1" positive):
   * train.jsonl the training pool, test.jsonl the evaluation set.
   */
  static Task binaryLu(String name, String template) {
    return new Task(
        name,
        List.of("0", "1"),
        List.of("Negative", "Positive"),
        Template.of(template),
        "",
        luJsonl(name + "/train.jsonl"),
        luJsonl(name + "/test.jsonl"),
        null);
  }

  private static DataSource luJsonl(String file) {
    return new DataSource(
        "lu2022_ordered_prompt/" + file,
        DataSource.Format.JSONL,
        StandardCharsets.UTF_8,
        Map.of("text", "sentence"),
        "label",
        null,
        true,
        false);
  }

  /** Names of the families that derive pairs. */
  public Set<String> familyNames() {
    return families.keySet();
  }

  /** Every pair name of {@code family}, in order. */
  public List<String> pairs(String family) {
    Family f = family(family);
    List<String> names = new ArrayList<>();
    int n = f.classNames().size();
    for (int a = 0; a < n; a++) {
      for (int b = a + 1; b < n; b++) {
        names.add(pairName(family, f, a, b));
      }
    }
    return names;
  }

  /**
   * Expands {@code family:*} entries to their pairs, keeps the others; repeats are refused.
   *
   * @throws DatasetException naming the repeated entry
   */
  public List<String> expand(List<String> names) {
    Set<String> out = new LinkedHashSet<>();
    for (String name : names) {
      String n = name.strip();
      List<String> add = n.endsWith(":*") ? pairs(n.substring(0, n.length() - 2)) : List.of(n);
      for (String a : add) {
        if (!out.add(a)) {
          throw new DatasetException(
              "task %s is listed twice (list entry '%s'); name each task once".formatted(a, n));
        }
      }
    }
    return List.copyOf(out);
  }

  /**
   * The task of a name: a whole task, or a pair.
   *
   * @throws DatasetException naming the valid names when {@code name} is none
   */
  public FewShotTask resolve(String name) {
    int colon = name.indexOf(':');
    if (colon < 0) {
      Task task = whole.get(name);
      if (task == null) {
        throw new DatasetException(
            "unknown task '%s'; known tasks: %s, or a pair such as %s (all pairs: family:*, families: %s)"
                .formatted(
                    name,
                    String.join(", ", whole.keySet()),
                    families.isEmpty() ? "-" : pairs(families.keySet().iterator().next()).get(0),
                    String.join(", ", families.keySet())));
      }
      List<Integer> all = new ArrayList<>();
      for (int i = 0; i < task.numLabels(); i++) {
        all.add(i);
      }
      boolean fromPool = families.containsKey(name) && families.get(name).testFromPool();
      return new FewShotTask(name, task, task, all, fromPool);
    }
    String familyName = name.substring(0, colon);
    Family f = family(familyName);
    String[] parts = name.substring(colon + 1).split("-vs-", -1);
    if (parts.length != 2) {
      throw new DatasetException(
          "task '%s' is not of the form %s:A-vs-B; e.g. %s"
              .formatted(name, familyName, pairs(familyName).get(0)));
    }
    int a = classIndex(f, parts[0], name);
    int b = classIndex(f, parts[1], name);
    if (a >= b) {
      throw new DatasetException(
          "task '%s': name a pair once, in label order: %s"
              .formatted(name, a == b ? "two different classes" : pairName(familyName, f, b, a)));
    }
    Task base = f.base();
    Task pair =
        new Task(
            name,
            List.of(base.labelNames().get(a), base.labelNames().get(b)),
            List.of(base.labelWords().get(a), base.labelWords().get(b)),
            base.template(),
            "",
            base.train(),
            base.eval(),
            base.heldOut());
    return new FewShotTask(name, pair, base, List.of(a, b), f.testFromPool());
  }

  private Family family(String name) {
    Family f = families.get(name);
    if (f == null) {
      throw new DatasetException(
          "'%s' is not a task family; families: %s".formatted(name, families.keySet()));
    }
    return f;
  }

  private static int classIndex(Family f, String slug, String name) {
    for (int i = 0; i < f.classNames().size(); i++) {
      if (slug(f.classNames().get(i)).equals(slug)) {
        return i;
      }
    }
    List<String> valid = f.classNames().stream().map(TaskFamilies::slug).toList();
    throw new DatasetException(
        "task '%s': '%s' is not a class of %s; classes: %s"
            .formatted(name, slug, f.base().name(), String.join(", ", valid)));
  }

  private static String pairName(String family, Family f, int a, int b) {
    return family + ":" + slug(f.classNames().get(a)) + "-vs-" + slug(f.classNames().get(b));
  }

  /** A class name as pair names spell it: other characters than letters and digits become _. */
  static String slug(String className) {
    String s = className.replaceAll("[^\\p{Alnum}]+", "_");
    s = s.replaceAll("^_+|_+$", "");
    return s.isEmpty() ? className.toLowerCase(Locale.ROOT) : s;
  }
}
