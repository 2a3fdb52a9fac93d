package dev.iclab.emergence.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.iclab.emergence.data.DataDistribution;
import dev.iclab.emergence.data.GaussianItems;
import dev.iclab.emergence.data.SequenceSampler;
import dev.iclab.emergence.data.TokenEncoder;
import dev.iclab.emergence.data.TokenFormat;
import dev.iclab.emergence.model.Architecture;
import dev.iclab.emergence.model.ModelConfig;
import dev.iclab.emergence.model.SequenceModel;
import dev.iclab.tensor.Tensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class TrainerTest {
  /** Logits per block that split even a 32-row step over several blocks. */
  private static final long CHUNKED = 300;

  private static final DataDistribution DATA =
      new DataDistribution(8, 1.0, 4096, 50, 0, 0.1, 0, 16, 1, false);

  private record Setup(SequenceSampler sampler, TokenEncoder encoder, ModelConfig model) {}

  private static Setup setup(Architecture arch, TokenFormat format) {
    SequenceSampler sampler = new SequenceSampler(DATA, 1);
    TokenEncoder encoder = new TokenEncoder(GaussianItems.of(DATA, 15, 2), format, 16);
    ModelConfig model = new ModelConfig(arch, 2, 2, 32, encoder.inputDim(), 16, format.tokens(8));
    return new Setup(sampler, encoder, model);
  }

  private static TrainConfig train(int steps, boolean allLabels) {
    return new TrainConfig(
        steps, 32, 3e-3, 10, LrSchedule.CONSTANT, 1.0, 1000, 0, 64, allLabels, false);
  }

  /**
   * With every sequence bursty the query's label is always among 3 context labels, so any model
   * that reads the context beats the uniform loss ln(16) = 2.77 quickly.
   */
  @ParameterizedTest
  @EnumSource(Architecture.class)
  void lossDecreasesWithAFixedSeed(Architecture arch) {
    Setup s = setup(arch, TokenFormat.PAIRED);
    try (NDManager root = Tensors.newManager();
        SequenceModel model = SequenceModel.create(s.model(), root, 3);
        Trainer trainer = new Trainer(model, s.sampler(), s.encoder(), train(150, false), root)) {
      double first = 0;
      double last = 0;
      for (int step = 1; step <= 150; step++) {
        float loss = trainer.step(step);
        assertTrue(Float.isFinite(loss), "loss at step " + step);
        if (step <= 10) {
          first += loss / 10;
        }
        if (step > 140) {
          last += loss / 10;
        }
      }
      assertEquals(Math.log(16), first, 0.5, arch + " starts near the uniform loss");
      assertTrue(last < first - 0.5, arch + " loss " + first + " -> " + last);
    }
  }

  @Test
  void sameSeedGivesTheSameLosses() {
    Setup s = setup(Architecture.TRANSFORMER, TokenFormat.INTERLEAVED);
    float[][] losses = new float[2][5];
    for (int run = 0; run < 2; run++) {
      try (NDManager root = Tensors.newManager();
          SequenceModel model = SequenceModel.create(s.model(), root, 3);
          Trainer trainer = new Trainer(model, s.sampler(), s.encoder(), train(5, true), root)) {
        for (int step = 1; step <= 5; step++) {
          losses[run][step - 1] = trainer.step(step);
        }
      }
    }
    assertArrayEquals(losses[0], losses[1], 1e-5f);
  }

  /**
   * No native memory growth: after warm-up the model manager (weights + optimizer moments) and the
   * root manager hold exactly as many arrays after 300 more steps, gradient handles included.
   */
  @ParameterizedTest(name = "logits per loss block: {0} (0: the whole logits through autograd)")
  @ValueSource(longs = {0, CHUNKED})
  void nativeArraysDoNotAccumulateOverManySteps(long blockElements) {
    Setup s = setup(Architecture.TRANSFORMER, TokenFormat.INTERLEAVED);
    try (NDManager root = Tensors.newManager();
        SequenceModel model = SequenceModel.create(s.model(), root, 3);
        Trainer trainer =
            new Trainer(model, s.sampler(), s.encoder(), train(400, true), root, blockElements)) {
      int params = model.parameters().arrays().size();
      trainer.step(1);
      int modelArrays = model.manager().getManagedArrays().size();
      int rootArrays = root.getManagedArrays().size();
      assertEquals(3 * params, modelArrays, "weights + two Adam moments, nothing else");
      for (int step = 2; step <= 300; step++) {
        trainer.step(step);
      }
      assertEquals(modelArrays, model.manager().getManagedArrays().size());
      assertEquals(rootArrays, root.getManagedArrays().size());
    }
  }

  /**
   * A learning rate of 1e30 makes Adam's first update move every weight by about 1e30, so the next
   * forward overflows and its loss is not finite: that step must leave the weights as they were.
   */
  @ParameterizedTest(name = "logits per loss block: {0} (0: the whole logits through autograd)")
  @ValueSource(longs = {0, CHUNKED})
  void aStepWithANonFiniteLossLeavesTheWeightsUnchanged(long blockElements) {
    Setup s = setup(Architecture.TRANSFORMER, TokenFormat.INTERLEAVED);
    TrainConfig explosive =
        new TrainConfig(3, 32, 1e30, 0, LrSchedule.CONSTANT, 0, 1000, 0, 64, false, false);
    try (NDManager root = Tensors.newManager();
        SequenceModel model = SequenceModel.create(s.model(), root, 3);
        Trainer trainer =
            new Trainer(model, s.sampler(), s.encoder(), explosive, root, blockElements)) {
      assertTrue(
          Float.isFinite(trainer.step(1)), "the first forward still uses the initial weights");
      float[] before = flatWeights(model);
      assertTrue(Float.isNaN(trainer.step(2)), "overflowing weights give a NaN loss");
      assertArrayEquals(before, flatWeights(model), "the skipped step changed no weight");
      assertTrue(Float.isNaN(trainer.step(3)), "and the next step is skipped again");
      assertArrayEquals(before, flatWeights(model));
    }
  }

  /**
   * The chunked loss ({@link ChunkedCrossEntropy}, 18 rows of 16 labels per block here, so a step's
   * 32 or 288 rows take 2 or 16 blocks) trains exactly as autograd through the whole logits: the
   * same losses and the same weights after every step, up to float rounding.
   */
  @ParameterizedTest(name = "{0}, loss on every label: {1}")
  @CsvSource({"TRANSFORMER, true", "TRANSFORMER, false", "LSTM, true"})
  void theChunkedLossTrainsAsAutogradDoes(Architecture arch, boolean allLabels) {
    Setup s = setup(arch, TokenFormat.INTERLEAVED);
    float[][] losses = new float[2][4];
    float[][] weights = new float[2][];
    long[] blockElements = {0, CHUNKED};
    for (int run = 0; run < 2; run++) {
      try (NDManager root = Tensors.newManager();
          SequenceModel model = SequenceModel.create(s.model(), root, 3);
          Trainer trainer =
              new Trainer(
                  model, s.sampler(), s.encoder(), train(4, allLabels), root, blockElements[run])) {
        for (int step = 1; step <= 4; step++) {
          losses[run][step - 1] = trainer.step(step);
        }
        weights[run] = flatWeights(model);
      }
    }
    assertArrayEquals(losses[0], losses[1], 1e-5f);
    float largest = 0;
    for (int i = 0; i < weights[0].length; i++) {
      largest = Math.max(largest, Math.abs(weights[0][i] - weights[1][i]));
    }
    // Adam moves a weight by about lr = 3e-3 a step whatever its gradient's size, so float rounding
    // in a gradient near Adam's epsilon shows as up to ~1e-5; a wrong gradient would show as ~lr.
    assertTrue(largest < 1e-4f, "largest weight difference " + largest);
    assertTrue(ChunkedCrossEntropy.pays(32, 16, CHUNKED), "the chunked run took the chunked path");
  }

  private static float[] flatWeights(SequenceModel model) {
    java.util.List<float[]> parts = new java.util.ArrayList<>();
    int total = 0;
    for (var p : model.parameters().arrays()) {
      float[] values = p.toFloatArray();
      parts.add(values);
      total += values.length;
    }
    float[] flat = new float[total];
    int at = 0;
    for (float[] values : parts) {
      System.arraycopy(values, 0, flat, at, values.length);
      at += values.length;
    }
    return flat;
  }
}
