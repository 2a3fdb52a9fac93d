package dev.iclab.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Scalars that autograd saves must outlive the backward pass. Between forward and backward this
 * test lets the GC reclaim unreachable direct buffers and refills freed native memory with NaN, the
 * situation in which DJL's {@code mul(Number)} gave NaN or wrong gradients in training (here it
 * turns the gradient of {@code x.mul(2.5f)} into about -4e34).
 */
class ScaleGradientTest {
  private static float[] gradientOf(UnaryOperator<NDArray> f) throws InterruptedException {
    try (NDManager manager = Tensors.newManager()) {
      NDArray x = manager.create(new float[] {1f, -2f, 3f});
      x.setRequiresGradient(true);
      try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
        NDArray y = f.apply(x).sum();
        reclaimAndPoisonFreedMemory();
        collector.backward(y);
      }
      return x.getGradient().toFloatArray();
    }
  }

  private static void reclaimAndPoisonFreedMemory() throws InterruptedException {
    List<ByteBuffer> poison = new ArrayList<>();
    for (int round = 0; round < 5; round++) {
      System.gc();
      Thread.sleep(20); // the Cleaner frees direct buffers on its own thread
      for (int i = 0; i < 2000; i++) {
        poison.add(
            ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).putFloat(0, Float.NaN));
      }
    }
  }

  @Test
  void scaleKeepsItsFactorForBackward() throws InterruptedException {
    assertArrayEquals(new float[] {2.5f, 2.5f, 2.5f}, gradientOf(x -> Ops.scale(x, 2.5f)));
  }

  /**
   * d/dx GELU(x) = Phi(x) + x phi(x), at x = 1, -2, 3: the engine's exact GELU, which the emergence
   * lab's transformer uses (one operation instead of five, forward and backward).
   */
  @Test
  void engineGeluGradientIsPhiPlusXTimesPhi() throws InterruptedException {
    double[] xs = {1, -2, 3};
    float[] expected = new float[xs.length];
    for (int i = 0; i < xs.length; i++) {
      double phi = Math.exp(-xs[i] * xs[i] / 2) / Math.sqrt(2 * Math.PI);
      expected[i] = (float) (normalCdf(xs[i]) + xs[i] * phi);
    }
    assertArrayEquals(expected, gradientOf(x -> Ops.activation("gelu", x)), 1e-5f);
  }

  private static double normalCdf(double x) {
    // Phi(x) from its series; exact enough for |x| <= 3 at float precision
    double sum = x;
    double term = x;
    for (int n = 1; n < 100; n++) {
      term *= x * x / (2 * n + 1);
      sum += term;
    }
    return 0.5 + sum * Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
  }
}
