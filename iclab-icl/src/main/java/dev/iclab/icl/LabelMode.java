package dev.iclab.icl;

import dev.iclab.IclabException;
import dev.iclab.data.Example;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * What the demonstrations show as labels (Min et al. 2022): gold labels, labels drawn uniformly at
 * random, a given percentage of correct labels (the others replaced by a different label drawn
 * uniformly), inputs without labels, or labels without inputs.
 *
 * @param name as the command line spells it: gold, random, correct:P, none, labels-only
 * @param percentCorrect for correct:P
 */
public record LabelMode(String name, Kind kind, int percentCorrect) {
  /** The variants. */
  public enum Kind {
    GOLD,
    RANDOM,
    CORRECT,
    NO_LABELS,
    NO_INPUTS
  }

  public static LabelMode parse(String spec) {
    if (spec.startsWith("correct:")) {
      try {
        int p = Integer.parseInt(spec.substring(8));
        if (p >= 0 && p <= 100) {
          return new LabelMode(spec, Kind.CORRECT, p);
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new IclabException(
          "--labels %s: the percentage must be an integer in 0..100, e.g. correct:50"
              .formatted(spec));
    }
    return switch (spec) {
      case "gold" -> new LabelMode(spec, Kind.GOLD, 100);
      case "random" -> new LabelMode(spec, Kind.RANDOM, 0);
      case "none" -> new LabelMode(spec, Kind.NO_LABELS, 0);
      case "labels-only" -> new LabelMode(spec, Kind.NO_INPUTS, 0);
      default ->
          throw new IclabException(
              "unknown --labels '%s'; use gold, random, correct:P (P in 0..100), none or labels-only"
                  .formatted(spec));
    };
  }

  /**
   * The demonstrations as shown. For correct:P, round(k * P / 100) positions chosen at random keep
   * their gold label and the others get a wrong one.
   */
  public List<Demo> apply(List<Example> examples, int numLabels, long seed) {
    Random random = new Random(seed * 0x5DEECE66DL + 11);
    int k = examples.size();
    boolean[] keep = new boolean[k];
    if (kind == Kind.CORRECT) {
      List<Integer> positions = new ArrayList<>();
      for (int i = 0; i < k; i++) {
        positions.add(i);
      }
      java.util.Collections.shuffle(positions, random);
      int correct = (int) Math.round(k * percentCorrect / 100.0);
      positions.subList(0, correct).forEach(i -> keep[i] = true);
    }
    List<Demo> demos = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      Example e = examples.get(i);
      demos.add(
          switch (kind) {
            case GOLD -> Demo.gold(e);
            case RANDOM -> new Demo(e, random.nextInt(numLabels), Demo.Form.FULL);
            case CORRECT ->
                new Demo(
                    e, keep[i] ? e.label() : wrong(e.label(), numLabels, random), Demo.Form.FULL);
            case NO_LABELS -> new Demo(e, e.label(), Demo.Form.INPUT_ONLY);
            case NO_INPUTS -> new Demo(e, e.label(), Demo.Form.LABEL_ONLY);
          });
    }
    return demos;
  }

  private static int wrong(int gold, int numLabels, Random random) {
    int other = random.nextInt(numLabels - 1);
    return other >= gold ? other + 1 : other;
  }
}
