package dev.iclab.data.fewshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.data.DatasetException;
import dev.iclab.data.Example;
import dev.iclab.data.TaskRegistry;
import dev.iclab.data.io.DatasetLoader;
import dev.iclab.tensor.SharedAssets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Pair tasks: names, classes, label words; CrossFit sampling: counts, disjointness, seeds. */
class TaskFamiliesTest {
  private static final TaskFamilies CB =
      TaskFamilies.of(List.of(TaskRegistry.builtIn().get("cb")), false);

  @Test
  void pairsAreNamedStablyInLabelOrder() {
    assertEquals(
        List.of(
            "cb:entailment-vs-contradiction",
            "cb:entailment-vs-neutral",
            "cb:contradiction-vs-neutral"),
        CB.pairs("cb"));
    assertEquals(CB.pairs("cb"), CB.expand(List.of("cb:*")));
    FewShotTask t = CB.resolve("cb:entailment-vs-neutral");
    assertEquals(List.of("entailment", "neutral"), t.task().labelNames());
    assertEquals(List.of("True", "Neither"), t.task().labelWords());
    assertEquals(List.of(0, 2), t.baseLabels());
    assertEquals("", t.task().instruction());
    assertTrue(t.derived());
    assertEquals(List.of(0, 1, 2), CB.resolve("cb").baseLabels());
  }

  @Test
  void badNamesSayWhatIsValid() {
    var reversed =
        assertThrows(DatasetException.class, () -> CB.resolve("cb:neutral-vs-entailment"));
    assertTrue(reversed.getMessage().contains("cb:entailment-vs-neutral"), reversed.getMessage());
    var unknown = assertThrows(DatasetException.class, () -> CB.resolve("cb:yes-vs-no"));
    assertTrue(unknown.getMessage().contains("entailment, contradiction, neutral"));
    var twice =
        assertThrows(
            DatasetException.class, () -> CB.expand(List.of("cb:*", "cb:entailment-vs-neutral")));
    assertTrue(twice.getMessage().contains("listed twice"), twice.getMessage());
    assertThrows(DatasetException.class, () -> CB.resolve("nosuch"));
  }

  @Test
  void samplingHasKPerClassDisjointSplitsAndIsSeeded() {
    Path data = SharedAssets.require("data");
    FewShotTask task = CB.resolve("cb:entailment-vs-contradiction");
    DatasetLoader.Splits splits = new DatasetLoader(data, false).load(task.base());
    FewShotSplits a = FewShotSampler.sample(task, splits, 8, 20, 13);
    assertEquals(Map.of(0, 8L, 1, 8L), counts(a.train()));
    assertEquals(Map.of(0, 8L, 1, 8L), counts(a.dev()));
    Set<String> trainIds = ids(a.train());
    ids(a.dev()).forEach(id -> assertTrue(!trainIds.contains(id), id));
    // test: the validation rows of the two classes (23 entailment + 28 contradiction), capped
    assertEquals(20, a.test().size());
    assertTrue(a.test().stream().allMatch(e -> e.label() == 0 || e.label() == 1));
    // labels are the pair's: every train example's text carries the base label it had
    Map<String, Integer> baseLabels = new java.util.HashMap<>();
    splits.train().examples().forEach(e -> baseLabels.put(e.id(), e.label()));
    a.train().forEach(e -> assertEquals(e.label() == 0 ? 0 : 1, baseLabels.get(e.id())));

    FewShotSplits again = FewShotSampler.sample(task, splits, 8, 20, 13);
    assertEquals(a, again);
    FewShotSplits otherSeed = FewShotSampler.sample(task, splits, 8, 20, 21);
    assertNotEquals(ids(a.train()), ids(otherSeed.train()));
    FewShotSplits otherTask =
        FewShotSampler.sample(CB.resolve("cb:entailment-vs-neutral"), splits, 8, 20, 13);
    assertNotEquals(
        ids(a.train().stream().filter(e -> e.label() == 0).toList()),
        ids(otherTask.train().stream().filter(e -> e.label() == 0).toList()),
        "each task draws with its own seed");
  }

  @Test
  void tooFewExamplesForKIsOneClearError() {
    Path data = SharedAssets.require("data");
    FewShotTask task = CB.resolve("cb:contradiction-vs-neutral"); // neutral: 16 training rows
    DatasetLoader.Splits splits = new DatasetLoader(data, false).load(task.base());
    var e =
        assertThrows(DatasetException.class, () -> FewShotSampler.sample(task, splits, 12, 20, 1));
    assertTrue(e.getMessage().contains("class neutral has 16 examples"), e.getMessage());
    assertTrue(e.getMessage().contains("lower --shots-per-class"), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource({"trec, 15", "agnews, 6", "sst5, 10", "dbpedia, 91"})
  void standardFamiliesHaveEveryPair(String family, int pairs) {
    List<String> names = TaskFamilies.standard().pairs(family);
    assertEquals(pairs, names.size());
    assertEquals(pairs, new HashSet<>(names).size());
  }

  @Test
  void standardPairNames() {
    TaskFamilies standard = TaskFamilies.standard();
    assertTrue(standard.pairs("trec").contains("trec:DESC-vs-HUM"));
    assertTrue(standard.pairs("agnews").contains("agnews:Business-vs-Sci_Tech"));
    assertTrue(standard.pairs("sst5").contains("sst5:very_negative-vs-neutral"));
    FewShotTask db = standard.resolve("dbpedia:Company-vs-EducationalInstitution");
    assertEquals(List.of("Company", "School"), db.task().labelWords());
    assertTrue(db.testFromPool());
  }

  @Test
  void dbpediaPairsDrawTestFromThePoolsRest() {
    Path data = SharedAssets.requireShared("data");
    FewShotTask task = TaskFamilies.standard().resolve("dbpedia:Company-vs-Film");
    DatasetLoader.Splits splits = new DatasetLoader(data, false).load(task.base());
    FewShotSplits s = FewShotSampler.sample(task, splits, 4, 1000, 1);
    assertEquals(Map.of(0, 4L, 1, 4L), counts(s.train()));
    // Company 24 rows, Film 18 in the 256-row sample: 42 - 16 drawn for train and dev
    assertEquals(26, s.test().size());
    Set<String> drawn = ids(s.train());
    drawn.addAll(ids(s.dev()));
    s.test().forEach(e -> assertTrue(!drawn.contains(e.id()), e.id()));
  }

  @Test
  void trecPairsTestOnTheTestFile() {
    Path data = SharedAssets.requireShared("data");
    FewShotTask task = TaskFamilies.standard().resolve("trec:DESC-vs-HUM");
    DatasetLoader.Splits splits = new DatasetLoader(data, false).load(task.base());
    FewShotSplits s = FewShotSampler.sample(task, splits, 16, 100, 1);
    assertEquals(Map.of(0, 16L, 1, 16L), counts(s.train()));
    assertEquals(100, s.test().size());
    Set<String> testTexts = s.test().stream().map(Example::text).collect(Collectors.toSet());
    assertTrue(
        splits.eval().examples().stream().map(Example::text).toList().containsAll(testTexts));
  }

  @ParameterizedTest
  @CsvSource({"cr, 1775, 2000", "mpqa, 8603, 2000"})
  void luBinaryTasksReadTheirTrainAndTestFiles(String name, int train, int test) {
    Path data = SharedAssets.requireShared("data");
    FewShotTask task = TaskFamilies.standard().resolve(name);
    assertEquals(List.of("Negative", "Positive"), task.task().labelWords());
    DatasetLoader.Splits splits = new DatasetLoader(data, false).load(task.base());
    assertEquals(train, splits.train().examples().size());
    assertEquals(test, splits.eval().examples().size());
    FewShotSplits s = FewShotSampler.sample(task, splits, 16, 200, 1);
    assertEquals(Map.of(0, 16L, 1, 16L), counts(s.train()));
    assertEquals(Map.of(0, 16L, 1, 16L), counts(s.dev()));
    assertEquals(200, s.test().size());
  }

  private static Map<Integer, Long> counts(List<Example> examples) {
    return examples.stream().collect(Collectors.groupingBy(Example::label, Collectors.counting()));
  }

  private static Set<String> ids(List<Example> examples) {
    return examples.stream().map(Example::id).collect(Collectors.toCollection(HashSet::new));
  }
}
