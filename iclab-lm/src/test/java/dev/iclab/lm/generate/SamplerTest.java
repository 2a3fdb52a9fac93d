package dev.iclab.lm.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SamplerTest {
  private static final float[] LOGITS = {1.0f, 3.0f, 0.5f, 2.5f, -1.0f};

  private static GenerationConfig sampling(double temperature, int topK, double topP, long seed) {
    return new GenerationConfig(1, false, temperature, topK, topP, seed, List.of(), List.of());
  }

  private static double[] frequencies(GenerationConfig config, int draws) {
    Sampler sampler = new Sampler(config);
    double[] counts = new double[LOGITS.length];
    for (int i = 0; i < draws; i++) {
      counts[sampler.next(LOGITS)] += 1.0 / draws;
    }
    return counts;
  }

  private static double[] softmax(float[] logits, double temperature, boolean[] keep) {
    double[] p = new double[logits.length];
    double z = 0;
    for (int i = 0; i < logits.length; i++) {
      p[i] = keep[i] ? Math.exp(logits[i] / temperature) : 0;
      z += p[i];
    }
    for (int i = 0; i < p.length; i++) {
      p[i] /= z;
    }
    return p;
  }

  @Test
  void greedyPicksTheLowestIdAmongTies() {
    assertEquals(1, Sampler.argmax(new float[] {0, 2, 2, 1}));
  }

  @Test
  void fullSamplingFollowsSoftmaxWithTemperature() {
    int draws = 200_000;
    double[] seen = frequencies(sampling(0.7, 0, 1, 11), draws);
    double[] expected = softmax(LOGITS, 0.7, new boolean[] {true, true, true, true, true});
    for (int i = 0; i < LOGITS.length; i++) {
      // 5 binomial standard deviations
      double sd = Math.sqrt(expected[i] * (1 - expected[i]) / draws);
      assertEquals(expected[i], seen[i], 5 * sd + 1e-9, "token " + i);
    }
  }

  @Test
  void topKAndTopPKeepOnlyTheirNucleus() {
    int draws = 100_000;
    double[] topTwo = frequencies(sampling(1, 2, 1, 3), draws);
    double[] expected = softmax(LOGITS, 1, new boolean[] {false, true, false, true, false});
    for (int i = 0; i < LOGITS.length; i++) {
      double sd = Math.sqrt(expected[i] * (1 - expected[i]) / draws);
      assertEquals(expected[i], topTwo[i], 5 * sd + 1e-9, "top-k token " + i);
    }
    // p(1) ~ 0.53 alone does not reach 0.6, so top-p 0.6 keeps tokens 1 and 3.
    double[] nucleus = frequencies(sampling(1, 0, 0.6, 3), draws);
    assertEquals(0, nucleus[0] + nucleus[2] + nucleus[4], 0);
    assertTrue(nucleus[1] > nucleus[3]);
    double[] single = frequencies(sampling(1, 0, 0.01, 3), 1000);
    assertEquals(1.0, single[1], 1e-9, "a tiny top-p is greedy");
  }

  @Test
  void sameSeedSameSequence() {
    Sampler a = new Sampler(sampling(1, 0, 1, 42));
    Sampler b = new Sampler(sampling(1, 0, 1, 42));
    for (int i = 0; i < 100; i++) {
      assertEquals(a.next(LOGITS), b.next(LOGITS));
    }
  }
}
