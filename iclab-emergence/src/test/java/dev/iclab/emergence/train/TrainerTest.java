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
import org.junit.jupiter.params.provider.EnumSource;

class TrainerTest {
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
  @Test
  void nativeArraysDoNotAccumulateOverManySteps() {
    Setup s = setup(Architecture.TRANSFORMER, TokenFormat.INTERLEAVED);
    try (NDManager root = Tensors.newManager();
        SequenceModel model = SequenceModel.create(s.model(), root, 3);
        Trainer trainer = new Trainer(model, s.sampler(), s.encoder(), train(400, false), root)) {
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
  @Test
  void aStepWithANonFiniteLossLeavesTheWeightsUnchanged() {
    Setup s = setup(Architecture.TRANSFORMER, TokenFormat.INTERLEAVED);
    TrainConfig explosive =
        new TrainConfig(3, 32, 1e30, 0, LrSchedule.CONSTANT, 0, 1000, 0, 64, false, false);
    try (NDManager root = Tensors.newManager();
        SequenceModel model = SequenceModel.create(s.model(), root, 3);
        Trainer trainer = new Trainer(model, s.sampler(), s.encoder(), explosive, root)) {
      assertTrue(
          Float.isFinite(trainer.step(1)), "the first forward still uses the initial weights");
      float[] before = flatWeights(model);
      assertTrue(Float.isNaN(trainer.step(2)), "overflowing weights give a NaN loss");
      assertArrayEquals(before, flatWeights(model), "the skipped step changed no weight");
      assertTrue(Float.isNaN(trainer.step(3)), "and the next step is skipped again");
      assertArrayEquals(before, flatWeights(model));
    }
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
