package dev.iclab.lm.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.iclab.tensor.Tensors;
import org.junit.jupiter.api.Test;

/** The cache holds exactly what was appended, whether it writes in place or concatenates. */
class KvCacheTest {
  private static final int HEADS = 2;
  private static final int HEAD_DIM = 3;

  private static NDArray chunk(NDManager manager, int batch, int positions, int seed) {
    float[] values = new float[batch * HEADS * positions * HEAD_DIM];
    for (int i = 0; i < values.length; i++) {
      values[i] = seed * 1000 + i;
    }
    return manager.create(values, new Shape(batch, HEADS, positions, HEAD_DIM));
  }

  /**
   * Chunks of 1-40 positions, 200 in all: the in-place buffer starts at the first chunk's size and
   * grows several times; every read (append's result, layer, followedBy, repeatBatch) equals the
   * concatenation.
   */
  @Test
  void appendsPastEveryCapacityHoldExactlyTheConcatenation() {
    try (NDManager manager = Tensors.newManager();
        KvCache cache = new KvCache(manager, 2)) {
      NDList expectedKeys = new NDList();
      int[] sizes = {1, 1, 40, 7, 1, 30, 1, 1, 39, 40, 1, 38};
      int seed = 0;
      for (int size : sizes) {
        NDArray k = chunk(manager, 2, size, ++seed);
        NDArray v = k.neg();
        expectedKeys.add(k);
        NDArray expected = NDArrays.concat(expectedKeys, 2);
        for (int layer = 0; layer < 2; layer++) {
          NDList all = cache.append(manager, layer, k, v);
          assertEquals(expected.getShape(), all.get(0).getShape());
          assertArrayEquals(expected.toFloatArray(), all.get(0).toFloatArray());
          assertArrayEquals(expected.neg().toFloatArray(), all.get(1).toFloatArray(), 0f);
        }
        cache.advance(size);
      }
      NDArray expected = NDArrays.concat(expectedKeys, 2);
      assertEquals(200, cache.length());
      assertArrayEquals(expected.toFloatArray(), cache.layer(1).get(0).toFloatArray());
      NDArray extra = chunk(manager, 2, 3, 99);
      NDArray joined = cache.followedBy(manager, 0, extra, extra).get(0);
      assertArrayEquals(
          NDArrays.concat(new NDList(expected, extra), 2).toFloatArray(), joined.toFloatArray());
      assertEquals(200, cache.length(), "followedBy leaves the cache as it was");
      try (KvCache repeated = cache.repeatBatch(manager, 3)) {
        assertEquals(new Shape(6, HEADS, 200, HEAD_DIM), repeated.layer(0).get(0).getShape());
        assertArrayEquals(
            expected.repeat(0, 3).toFloatArray(), repeated.layer(0).get(0).toFloatArray());
      }
    }
  }

  /**
   * While gradients are recorded the cache stays in the graph (prefix tuning trains through it).
   */
  @Test
  void gradientsFlowThroughTheCacheWhileRecording() {
    try (NDManager manager = Tensors.newManager()) {
      NDArray prefix = chunk(manager, 1, 4, 1);
      prefix.setRequiresGradient(true);
      try (KvCache cache = new KvCache(manager, 1);
          GradientCollector collector = manager.getEngine().newGradientCollector()) {
        assertTrue(Tensors.recordingGradients());
        cache.append(manager, 0, prefix.mul(2f), prefix);
        cache.advance(4);
        NDArray fresh = chunk(manager, 1, 2, 2);
        NDArray keys = cache.append(manager, 0, fresh, fresh).get(0);
        collector.backward(keys.sum());
      }
      float[] gradient = prefix.getGradient().toFloatArray();
      for (float g : gradient) {
        assertEquals(2f, g, 0f);
      }
    }
  }
}
