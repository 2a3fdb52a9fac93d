package dev.iclab.emergence.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.iclab.emergence.model.LabelHead;
import dev.iclab.tensor.Tensors;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChunkedCrossEntropyTest {
  private static final int ROWS = 37;
  private static final int FEATURES = 8;
  private static final int LABELS = 1000;

  /**
   * Against autograd through the whole logits (log-softmax, gather, mean, backward): the same loss
   * and gradients, whether the rows make one block, uneven blocks or one row per block. Logits of
   * several units make the softmax far from uniform, so a wrong one-hot row or scale would show;
   * one row's loss is above 150, where its target's probability is 0 in float.
   */
  @ParameterizedTest(name = "logits per block: {0}")
  @ValueSource(longs = {1_000_000, 7_000, 1})
  void lossAndGradientsEqualAutogradsThroughTheWholeLogits(long blockElements) {
    Random random = new Random(5);
    long[] targets = new long[ROWS];
    for (int i = 0; i < ROWS; i++) {
      targets[i] = random.nextInt(LABELS);
    }
    targets[3] = targets[4]; // two rows with one target: both one-hot terms must land
    try (NDManager m = Tensors.newManager()) {
      NDArray features = m.randomNormal(new Shape(ROWS, FEATURES)).mul(3);
      NDArray weight = m.randomNormal(new Shape(LABELS, FEATURES));
      float[] biases = new float[LABELS];
      for (int i = 0; i < LABELS; i++) {
        biases[i] = (float) random.nextGaussian();
      }
      // row 0's target 150 units below the rest: its probability underflows to 0 in float
      biases[(int) targets[0]] = -150;
      NDArray bias = m.create(biases);
      ChunkedCrossEntropy.Result chunked =
          ChunkedCrossEntropy.compute(
              features, new LabelHead(weight, bias), targets, 1f / ROWS, true, blockElements);

      for (NDArray a : new NDArray[] {features, weight, bias}) {
        a.setRequiresGradient(true);
      }
      ChunkedCrossEntropy.Result summed =
          ChunkedCrossEntropy.compute(
              features, new LabelHead(weight, bias), targets, 1, false, blockElements);

      float loss;
      float[] rowLosses;
      try (GradientCollector collector = m.getEngine().newGradientCollector()) {
        NDArray rows =
            features
                .matMul(weight.transpose())
                .add(bias)
                .logSoftmax(-1)
                .gather(m.create(targets, new Shape(ROWS, 1)), 1)
                .neg();
        NDArray mean = rows.mean();
        collector.backward(mean);
        loss = mean.getFloat();
        rowLosses = rows.toFloatArray();
      }
      assertTrue(rowLosses[0] > 150, "row 0's target probability underflows: " + rowLosses[0]);
      assertEquals(loss, chunked.meanLoss(), 1e-5 * Math.abs(loss));
      for (int i = 0; i < ROWS; i++) {
        assertEquals(rowLosses[i], summed.rowLosses()[i], 1e-5 * Math.max(1, rowLosses[i]));
      }
      // scale 1 without the head's gradients: the summed loss's feature gradient, ROWS x the mean's
      assertTrue(summed.weightGrad() == null && summed.biasGrad() == null);
      assertClose(features.getGradient().mul(ROWS), summed.featureGrad());
      assertClose(features.getGradient(), chunked.featureGrad());
      assertClose(weight.getGradient(), chunked.weightGrad());
      assertClose(bias.getGradient(), chunked.biasGrad());
    }
  }

  @Test
  void onlyAWideHeadPaysAndABlockHoldsWholeRows() {
    assertTrue(ChunkedCrossEntropy.pays(1152, 65_536, ChunkedCrossEntropy.BLOCK_ELEMENTS));
    assertTrue(ChunkedCrossEntropy.pays(128, 65_536, ChunkedCrossEntropy.BLOCK_ELEMENTS));
    assertTrue(!ChunkedCrossEntropy.pays(128, 32, ChunkedCrossEntropy.BLOCK_ELEMENTS));
    assertTrue(!ChunkedCrossEntropy.pays(1152, 65_536, 0), "0: never");
    try (NDManager m = Tensors.newManager()) {
      NDArray features = m.zeros(new Shape(2, FEATURES));
      LabelHead head =
          new LabelHead(m.zeros(new Shape(LABELS, FEATURES)), m.zeros(new Shape(LABELS)));
      // zero logits: every label equally likely, loss ln(labels)
      assertEquals(
          Math.log(LABELS),
          ChunkedCrossEntropy.compute(features, head, new long[] {0, 9}, 1, false, 1)
              .rowLosses()[1],
          1e-5);
      assertThrows(
          IllegalArgumentException.class,
          () -> ChunkedCrossEntropy.compute(features, head, new long[] {0}, 1, false, 1));
    }
  }

  private static void assertClose(NDArray expected, NDArray actual) {
    assertEquals(expected.getShape(), actual.getShape());
    float[] e = expected.toFloatArray();
    float[] a = actual.toFloatArray();
    float scale = 0;
    for (float v : e) {
      scale = Math.max(scale, Math.abs(v));
    }
    assertTrue(scale > 0, "a gradient that is all zero checks nothing");
    for (int i = 0; i < e.length; i++) {
      assertEquals(e[i], a[i], 1e-5 * scale, "element " + i);
    }
  }
}
