package dev.iclab.experiments.lab;

import dev.iclab.emergence.RunSetup;
import dev.iclab.emergence.data.Batch;
import dev.iclab.emergence.data.TokenEncoder;

/**
 * Few-shot episodes of the lab's ICL evaluation (2-way, holdout classes, labels re-assigned to 0
 * and 1), encoded for Dai et al.'s three settings:
 *
 * <ul>
 *   <li>ICL: the episode as the lab scores it, context then query;
 *   <li>ZSL: the same query with every context token blank (the lab's 0-shot format);
 *   <li>FT's training data: each demonstration in the zero-shot format, its item as the query and
 *       its label as the target, in the context's order.
 * </ul>
 *
 * <p>Inputs are row-major float arrays, {@code [episodes, tokens, inputDim]} (demonstrations:
 * {@code [episodes * pairs, tokens, inputDim]}, episode by episode). {@code sampler.inContextSet(n,
 * seed)} draws episodes one after another from one generator, so with the run's evaluation seed the
 * episodes are the first {@code n} of the lab's own ICL evaluation set.
 *
 * @param labels each episode's gold label (0 or 1)
 * @param demoLabels each demonstration's label, episode by episode
 */
public record LabEpisodes(
    int size,
    int pairs,
    int tokens,
    int inputDim,
    float[] icl,
    float[] zsl,
    float[] demos,
    int[] labels,
    int[] demoLabels) {

  /** {@code n} episodes drawn with {@code seed} (the run's evaluation seed gives the lab's own). */
  public static LabEpisodes of(RunSetup setup, int n, long seed) {
    Batch episodes = setup.sampler().inContextSet(n, seed);
    TokenEncoder encoder = setup.encoder();
    int pairs = episodes.pairs();
    Batch demos = demonstrationsAsQueries(episodes);
    return new LabEpisodes(
        n,
        pairs,
        encoder.format().tokens(pairs),
        encoder.inputDim(),
        encoder.encode(episodes, false),
        encoder.encode(episodes, true),
        encoder.encode(demos, true),
        episodes.queryLabel().clone(),
        episodes.contextLabel().clone());
  }

  /**
   * Every context pair of every episode as the query of its own sequence (its item drawn with the
   * same class and seed, so the same vector), labelled with its label; the context is left to be
   * blanked.
   */
  private static Batch demonstrationsAsQueries(Batch episodes) {
    int pairs = episodes.pairs();
    int n = episodes.size() * pairs;
    int[] queryClass = episodes.contextClass().clone();
    int[] queryLabel = episodes.contextLabel().clone();
    long[] seeds = new long[n * (pairs + 1)];
    for (int b = 0; b < episodes.size(); b++) {
      for (int i = 0; i < pairs; i++) {
        seeds[(b * pairs + i) * (pairs + 1) + pairs] = episodes.itemSeeds()[b * (pairs + 1) + i];
      }
    }
    return new Batch(
        n,
        pairs,
        episodes.holdout(),
        new int[n * pairs],
        new int[n * pairs],
        queryClass,
        queryLabel,
        new boolean[n],
        seeds);
  }

  /** Floats of one sequence. */
  public int sequenceLength() {
    return tokens * inputDim;
  }

  /** Episode {@code e}'s query in the zero-shot format, {@code [1, tokens, inputDim]}. */
  public float[] zslOf(int e) {
    int length = sequenceLength();
    float[] out = new float[length];
    System.arraycopy(zsl, e * length, out, 0, length);
    return out;
  }

  /** The inputs of episode {@code e}'s demonstrations, {@code [pairs, tokens, inputDim]}. */
  public float[] demosOf(int e) {
    int length = pairs * sequenceLength();
    float[] out = new float[length];
    System.arraycopy(demos, e * length, out, 0, length);
    return out;
  }

  /** The labels of episode {@code e}'s demonstrations, in context order. */
  public int[] demoLabelsOf(int e) {
    int[] out = new int[pairs];
    System.arraycopy(demoLabels, e * pairs, out, 0, pairs);
    return out;
  }
}
