package dev.iclab.data.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.data.DataSource;
import dev.iclab.data.DatasetException;
import dev.iclab.data.Task;
import dev.iclab.data.TaskRegistry;
import dev.iclab.data.Template;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad data and bad task files fail with the file, line and field, or are skipped and counted. */
class LoaderErrorsTest {
  @TempDir Path dir;

  private Task task(String file) {
    DataSource source = DataSource.tsv(file, Map.of("sentence", "sentence"));
    return new Task(
        "t",
        List.of("negative", "positive"),
        List.of("Negative", "Positive"),
        Template.of("Sentence: {sentence} Label:"),
        "",
        source,
        source,
        null);
  }

  private void write(String name, String text) throws IOException {
    Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
  }

  @Test
  void missingFieldAndUnknownLabelNameTheLine() throws IOException {
    write("a.tsv", "sentence\tlabel\ngood\t1\nno label here\nbad\t0\n");
    var e =
        assertThrows(
            DatasetException.class, () -> new DatasetLoader(dir, false).load(task("a.tsv")));
    assertTrue(e.getMessage().contains("a.tsv line 3: field 'label'"), e.getMessage());
    assertTrue(e.getMessage().contains("--skip-bad-rows"), e.getMessage());
    write("b.tsv", "sentence\tlabel\ngood\t1\nbad\t0\nodd\t7\n");
    e =
        assertThrows(
            DatasetException.class, () -> new DatasetLoader(dir, false).load(task("b.tsv")));
    assertTrue(
        e.getMessage().contains("b.tsv line 4: field 'label' has unknown label '7'"),
        e.getMessage());
  }

  @Test
  void skipBadRowsCountsThem() throws IOException {
    write("a.tsv", "sentence\tlabel\ngood\t1\nno label\nbad\tnegative\nodd\t7\n");
    var splits = new DatasetLoader(dir, true).load(task("a.tsv"));
    assertEquals(2, splits.train().size());
    assertEquals(2, splits.train().skippedRows());
    assertEquals(0, splits.train().get(1).label(), "label names are accepted");
    assertEquals(
        List.of("0", "2"),
        splits.train().examples().stream().map(e -> e.id()).toList(),
        "ids are row indices, bad rows included");
  }

  @Test
  void wrongEncodingIsReportedWithItsLine() throws IOException {
    Files.write(
        dir.resolve("c.tsv"), new byte[] {'s', '\t', 'l', '\n', 'a', (byte) 0x92, '\t', '1'});
    DataSource source =
        new DataSource(
            "c.tsv",
            DataSource.Format.TSV,
            StandardCharsets.UTF_8,
            Map.of("sentence", "s"),
            "l",
            null,
            true,
            false);
    Task t = task("c.tsv");
    Task utf8 =
        new Task(t.name(), t.labelNames(), t.labelWords(), t.template(), "", source, source, null);
    var e = assertThrows(DatasetException.class, () -> new DatasetLoader(dir, false).load(utf8));
    assertTrue(e.getMessage().contains("not valid UTF-8 at line 2"), e.getMessage());
  }

  private Path reviewTask(String duplicateIds) throws IOException {
    write(
        "reviews.tsv",
        "id\treview\tstars\nr1\tgood\tpos\nr2\tbad\tneg\nr1\tagain\tneg\nr3\tok\tpos\n"
            + "r2\tonce more\tpos\n");
    write(
        "task.yaml",
        """
        name: reviews
        labels: [neg, pos]
        label_words: [bad, good]
        template: "Review: {text} Verdict:"
        fields: {text: review}
        label_column: stars
        id_column: id
        train: reviews.tsv
        eval: reviews.tsv
        """
            + duplicateIds);
    return dir.resolve("task.yaml");
  }

  @Test
  void repeatedIdIsRefusedWithTheFirstRepeatsLine() throws IOException {
    Task t = TaskFiles.read(reviewTask(""));
    var e = assertThrows(DatasetException.class, () -> new DatasetLoader(dir, true).load(t));
    assertTrue(
        e.getMessage()
            .contains("reviews.tsv line 4: id 'r1' (column 'id') repeats the id of line 2"),
        e.getMessage());
    assertTrue(e.getMessage().contains("duplicate_ids: keep-first"), e.getMessage());
  }

  @Test
  void unknownKeyIsRefusedNotIgnored() throws IOException {
    var e =
        assertThrows(DatasetException.class, () -> TaskFiles.read(reviewTask("colour: blue\n")));
    assertTrue(e.getMessage().contains("unknown key 'colour'"), e.getMessage());
    assertTrue(e.getMessage().contains("label_words"), "lists the keys: " + e.getMessage());
  }

  @Test
  void keepFirstLeavesRepeatedIdsOutAndCountsThem() throws IOException {
    Task t = TaskFiles.read(reviewTask("duplicate_ids: keep-first\n"));
    var splits = new DatasetLoader(dir, false).load(t);
    assertEquals(
        List.of("r1", "r2", "r3"), splits.eval().examples().stream().map(e -> e.id()).toList());
    assertEquals("good", splits.eval().get(0).fields().get("text"), "the first row of r1 is kept");
    assertEquals(2, splits.eval().duplicateRows());
    var bad =
        assertThrows(
            DatasetException.class, () -> TaskFiles.read(reviewTask("duplicate_ids: drop\n")));
    assertTrue(
        bad.getMessage().contains("use error (the default) or keep-first"), bad.getMessage());
  }

  @Test
  void carriageReturnOnlyLineEndsAreLines() throws IOException {
    write("mac.tsv", "sentence\tlabel\rgood\t1\rbad\t0\r");
    var splits = new DatasetLoader(dir, false).load(task("mac.tsv"));
    assertEquals(2, splits.train().size());
    assertEquals("bad", splits.train().get(1).fields().get("sentence"));
    write("mixed.tsv", "sentence\tlabel\r\na\rb\t1\r\n");
    var crlf = new DatasetLoader(dir, false).load(task("mixed.tsv"));
    assertEquals(1, crlf.train().size(), "a lone CR inside a CRLF file stays in its cell");
  }

  @Test
  void unknownTaskListsTheBuiltIns() {
    var e = assertThrows(DatasetException.class, () -> TaskRegistry.builtIn().get("sst3"));
    assertTrue(e.getMessage().contains("unknown task 'sst3'"), e.getMessage());
    assertTrue(
        e.getMessage().contains("sst2, sst5, mr, subj, agnews, cb, rte, trec"), e.getMessage());
  }

  @Test
  void yamlTaskFileWithCsvQuotesAndNewlines() throws IOException {
    write(
        "reviews.csv",
        "id,review,stars\nr1,\"Great, really \"\"great\"\"\",pos\nr2,\"two\nlines\",neg\n");
    write(
        "task.yaml",
        """
        name: reviews
        labels: [neg, pos]
        label_words: [bad, good]
        template: "Review: {text} Verdict:"
        fields: {text: review}
        label_column: stars
        id_column: id
        train: reviews.csv
        held_out: {size: 1, seed: 3}
        """);
    Task t = TaskFiles.read(dir.resolve("task.yaml"));
    var splits = new DatasetLoader(Path.of("/"), false).load(t);
    assertEquals(1, splits.train().size());
    assertEquals(1, splits.eval().size());
    var all = new java.util.ArrayList<>(splits.train().examples());
    all.addAll(splits.eval().examples());
    all.sort(java.util.Comparator.comparing(dev.iclab.data.Example::id));
    assertEquals("Great, really \"great\"", all.get(0).fields().get("text"));
    assertEquals(1, all.get(0).label());
    assertEquals("two\nlines", all.get(1).fields().get("text"));
  }

  @Test
  void jsonTaskFileWithJsonl() throws IOException {
    write("d.jsonl", "{\"q\": \"hi\", \"y\": 0}\n{\"q\": \"yo\", \"y\": 1}\n");
    write(
        "task.json",
        "{\"name\":\"j\",\"labels\":[\"a\",\"b\"],\"label_words\":[\"A\",\"B\"],"
            + "\"template\":\"Q: {q} A:\",\"fields\":{\"q\":\"q\"},\"label_column\":\"y\","
            + "\"train\":\"d.jsonl\",\"eval\":\"d.jsonl\"}");
    var splits =
        new DatasetLoader(Path.of("/"), false).load(TaskFiles.read(dir.resolve("task.json")));
    assertEquals(2, splits.eval().size());
    assertEquals("yo", splits.eval().get(1).fields().get("q"));
  }

  @Test
  void unparsableTaskFile() throws IOException {
    write("bad.yaml", "name: x\nlabels: [a, b\n");
    var e = assertThrows(DatasetException.class, () -> TaskFiles.read(dir.resolve("bad.yaml")));
    assertTrue(e.getMessage().contains("bad.yaml does not parse"), e.getMessage());
  }

  @Test
  void labelWordMissingFromTaskFile() throws IOException {
    write(
        "short.yaml",
        "name: s\nlabels: [a, b, c]\nlabel_words: [A, B]\ntemplate: 'Q: {q} A:'\n"
            + "fields: {q: q}\ntrain: x.tsv\neval: x.tsv\n");
    var e = assertThrows(DatasetException.class, () -> TaskFiles.read(dir.resolve("short.yaml")));
    assertTrue(e.getMessage().contains("3 labels [a, b, c] but 2 label words"), e.getMessage());
    write("none.yaml", "name: s\nlabels: [a, b]\ntemplate: 'Q: {q} A:'\n");
    e = assertThrows(DatasetException.class, () -> TaskFiles.read(dir.resolve("none.yaml")));
    assertTrue(e.getMessage().contains("'label_words' must be a non-empty list"), e.getMessage());
  }
}
