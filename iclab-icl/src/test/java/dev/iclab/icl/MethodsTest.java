package dev.iclab.icl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.IclabException;
import dev.iclab.data.Dataset;
import dev.iclab.data.Example;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** BM25, calibration, label corruption and selectors against hand-computed values. */
class MethodsTest {
  @Test
  void bm25MatchesHandComputedScores() {
    // docs: "a b" (len 2), "a c c" (len 3), "d" (len 1); avgdl = 2, N = 3.
    Bm25 bm25 = new Bm25(List.of("a b", "A, c c", "d"));
    // idf(a) = ln(1 + (3 - 2 + 0.5) / (2 + 0.5)) = ln(1.6); idf(c) = ln(1 + 2.5 / 1.5) = ln(8/3)
    assertEquals(Math.log(1.6), bm25.idf("a"), 1e-12);
    // doc 1, term c: f = 2, norm = 1.2 * (0.25 + 0.75 * 3 / 2) = 1.65; 2 * 2.2 / 3.65
    double c1 = Math.log(8.0 / 3) * 2 * 2.2 / (2 + 1.65);
    // term a in doc 0: f = 1, norm = 1.2; 2.2 / 2.2 = 1. In doc 1: 2.2 / (1 + 1.65)
    double a0 = Math.log(1.6);
    double a1 = Math.log(1.6) * 2.2 / 2.65;
    assertArrayEquals(new double[] {a0, a1 + c1, 0}, bm25.scores("a c"), 1e-12);
    assertArrayEquals(new int[] {1, 0}, bm25.top("a c", 2, -1));
    assertArrayEquals(new int[] {0, 2}, bm25.top("a c", 2, 1));
  }

  @Test
  void contextualCalibrationMatchesHandComputedValues() {
    // Content-free label distributions (0.8, 0.2) and (0.6, 0.4): p_cf = (0.7, 0.3).
    Calibrator c =
        Calibrator.contextual(
            List.of(
                new double[] {Math.log(0.8), Math.log(0.2)},
                new double[] {Math.log(0.6), Math.log(0.4)}));
    assertArrayEquals(new double[] {0.7, 0.3}, c.contentFreeProbabilities(), 1e-12);
    // p = (0.6, 0.4): W p = (0.6/0.7, 0.4/0.3) = (0.857, 1.333) -> (0.3913, 0.6087): flips to 1.
    double[] scores = {Math.log(0.6), Math.log(0.4)};
    assertEquals(0, Calibrator.none().predict(scores));
    double a = 0.6 / 0.7;
    double b = 0.4 / 0.3;
    assertArrayEquals(new double[] {a / (a + b), b / (a + b)}, c.probabilities(scores), 1e-12);
    assertEquals(1, c.predict(scores));
  }

  private static Dataset pool(int... labels) {
    List<Example> examples = new ArrayList<>();
    for (int i = 0; i < labels.length; i++) {
      examples.add(Examples.of(Integer.toString(i), labels[i], "sentence", "text " + i));
    }
    return new Dataset("pool", examples, Path.of("pool.tsv"), "0", 0);
  }

  @Test
  void labelCorruptionKeepsTheGivenShareCorrect() {
    Dataset p = pool(0, 1, 0, 1, 0, 1, 0, 1);
    for (int percent : new int[] {0, 25, 50, 75, 100}) {
      List<Demo> demos = LabelMode.parse("correct:" + percent).apply(p.examples(), 2, 7);
      long correct = demos.stream().filter(d -> d.shownLabel() == d.example().label()).count();
      assertEquals(Math.round(8 * percent / 100.0), correct, "correct:" + percent);
    }
    List<Demo> r1 = LabelMode.parse("random").apply(p.examples(), 2, 3);
    List<Demo> r2 = LabelMode.parse("random").apply(p.examples(), 2, 3);
    assertEquals(r1, r2, "seeded");
    assertThrows(IclabException.class, () -> LabelMode.parse("correct:150"));
  }

  @Test
  void selectors() {
    Dataset p = pool(0, 0, 0, 0, 0, 0, 1, 1, 2);
    List<Example> balanced = DemoSelector.parse("balanced", p).select(null, 6, 1);
    int[] perLabel = new int[3];
    balanced.forEach(e -> perLabel[e.label()]++);
    assertArrayEquals(new int[] {3, 2, 1}, perLabel, "labels take turns until a class runs out");
    List<Example> random = DemoSelector.parse("random", p).select(null, 4, 5);
    assertEquals(random, DemoSelector.parse("random", p).select(null, 4, 5));
    assertEquals(4, random.stream().distinct().count());
    assertEquals(
        List.of("8", "2"),
        DemoSelector.parse("fixed:8,2", p).select(null, 2, 1).stream().map(Example::id).toList());
    var tooMany =
        assertThrows(
            IclabException.class, () -> DemoSelector.parse("random", p).select(null, 10, 1));
    assertTrue(
        tooMany.getMessage().contains("exceed the training pool of 9"), tooMany.getMessage());
    var unknownId =
        assertThrows(
            IclabException.class, () -> DemoSelector.parse("fixed:3,99", p).select(null, 2, 1));
    assertTrue(unknownId.getMessage().contains("'99'"), unknownId.getMessage());
    List<Example> bm25 =
        DemoSelector.parse("bm25", p).select(Examples.of("q", 0, "sentence", "text 7"), 2, 1);
    assertEquals("7", bm25.get(1).id(), "most similar last");
  }
}
