package dev.iclab.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.data.io.DatasetLoader;
import dev.iclab.tensor.SharedAssets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every built-in task loads from ../shared/data with the split sizes FORMAT.txt verifies. */
class BuiltInTasksTest {
  @ParameterizedTest
  @CsvSource({
    "sst2, 67349, 872",
    "sst5, 8544, 1101",
    "mr, 8662, 2000",
    "subj, 8000, 2000",
    "agnews, 10001, 7600",
    "cb, 250, 56",
    "rte, 2490, 277",
    "trec, 5452, 500"
  })
  void splitSizesMatchFormatTxt(String name, int train, int eval) {
    var data = SharedAssets.requireShared("data");
    Task task = TaskRegistry.builtIn().get(name);
    DatasetLoader.Splits splits = new DatasetLoader(data, false).load(task);
    assertEquals(train, splits.train().size(), name + " train");
    assertEquals(eval, splits.eval().size(), name + " eval");
    assertEquals(0, splits.train().skippedRows());
    assertEquals(64, splits.train().sha256().length());
    for (Example e : splits.eval().examples()) {
      for (String slot : task.template().slots()) {
        String value = e.fields().get(slot);
        assertEquals(value.strip(), value, "fields are stripped");
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"mr", "subj"})
  void heldOutSplitIsDisjointDeterministicAndBalancedEnough(String name) {
    var data = SharedAssets.requireShared("data");
    Task task = TaskRegistry.builtIn().get(name);
    var a = new DatasetLoader(data, false).load(task);
    var b = new DatasetLoader(data, false).load(task);
    assertEquals(a.eval().examples(), b.eval().examples());
    Set<String> trainIds = new HashSet<>();
    a.train().examples().forEach(e -> trainIds.add(e.id()));
    a.eval().examples().forEach(e -> assertTrue(!trainIds.contains(e.id()), e.id()));
    long positives = a.eval().examples().stream().filter(e -> e.label() == 1).count();
    // Both files are 50/50; a random 2,000 stays within a few percent of 1,000.
    assertTrue(positives > 900 && positives < 1100, "positives " + positives);
  }

  @org.junit.jupiter.api.Test
  void subjLabelWordsFollowTheDataLabelOrder() {
    var data = SharedAssets.requireShared("data");
    Task task = TaskRegistry.builtIn().get("subj");
    var splits = new DatasetLoader(data, false).load(task);
    // FORMAT.txt: rows 1-5,000 are subjective (label 0).
    Example first = splits.train().examples().get(0);
    assertEquals(0, first.label());
    assertEquals("subjective", task.labelWords().get(first.label()));
  }
}
