package dev.iclab.emergence.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.iclab.tensor.AttentionObserver;
import dev.iclab.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Invariants every sequence model must keep. */
class SequenceModelTest {
  private static final int BATCH = 3;
  private static final int TOKENS = 17;
  private static final int INPUT = 12;
  private static final int LABELS = 5;

  private static ModelConfig config(Architecture arch) {
    return new ModelConfig(arch, 2, 2, 16, INPUT, LABELS, TOKENS);
  }

  /** Gaussian items; each token's last entry, its label slot, is 0 (no label) or label + 1. */
  private static float[] randomInputs(long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] x = new float[BATCH * TOKENS * INPUT];
    for (int i = 0; i < x.length; i++) {
      x[i] = i % INPUT == INPUT - 1 ? rng.nextInt(LABELS + 1) : (float) rng.nextGaussian();
    }
    return x;
  }

  private static float[] allLogits(SequenceModel model, NDManager root, float[] x) {
    try (NDManager step = root.newSubManager()) {
      NDArray inputs = step.create(x, new Shape(BATCH, TOKENS, INPUT));
      NDArray logits = model.logits(inputs, 1, null); // [batch, tokens, labels]
      assertEquals(new Shape(BATCH, TOKENS, LABELS), logits.getShape());
      return logits.toFloatArray();
    }
  }

  @ParameterizedTest
  @EnumSource(Architecture.class)
  void laterTokensDoNotChangeEarlierOutputs(Architecture arch) {
    try (NDManager root = Tensors.newManager();
        SequenceModel model = SequenceModel.create(config(arch), root, 1)) {
      float[] x = randomInputs(2);
      float[] before = allLogits(model, root, x);
      int changedToken = 9;
      for (int b = 0; b < BATCH; b++) {
        for (int t = changedToken; t < TOKENS; t++) {
          for (int k = 0; k < INPUT - 1; k++) {
            x[(b * TOKENS + t) * INPUT + k] += 3f;
          }
          int slot = (b * TOKENS + t) * INPUT + INPUT - 1;
          x[slot] = (x[slot] + 1) % (LABELS + 1);
        }
      }
      float[] after = allLogits(model, root, x);
      boolean laterChanged = false;
      for (int b = 0; b < BATCH; b++) {
        for (int t = 0; t < TOKENS; t++) {
          for (int l = 0; l < LABELS; l++) {
            int i = (b * TOKENS + t) * LABELS + l;
            if (t < changedToken) {
              assertEquals(before[i], after[i], 1e-5f, arch + " output at token " + t);
            } else {
              laterChanged |= Math.abs(before[i] - after[i]) > 1e-3f;
            }
          }
        }
      }
      assertTrue(laterChanged, "the change must reach the later outputs");
    }
  }

  @Test
  void attentionHooksSeeEveryLayerAndDoNotChangeLogits() {
    try (NDManager root = Tensors.newManager();
        SequenceModel model = SequenceModel.create(config(Architecture.TRANSFORMER), root, 1)) {
      float[] x = randomInputs(4);
      float[] plain;
      float[] hooked;
      List<float[]> probs = new ArrayList<>();
      List<Integer> outputLayers = new ArrayList<>();
      AttentionObserver observer =
          new AttentionObserver() {
            @Override
            public boolean observes(int layer) {
              return true;
            }

            @Override
            public void onAttention(int layer, int queryOffset, NDArray scores, NDArray p) {
              assertEquals(new Shape(BATCH, 2, TOKENS, TOKENS), p.getShape());
              probs.add(p.toFloatArray());
            }

            @Override
            public void onAttentionOutput(int layer, int queryOffset, NDArray output) {
              assertEquals(new Shape(BATCH, TOKENS, 16), output.getShape());
              outputLayers.add(layer);
            }
          };
      try (NDManager step = root.newSubManager()) {
        NDArray inputs = step.create(x, new Shape(BATCH, TOKENS, INPUT));
        plain = model.logits(inputs, -1, null).toFloatArray();
        hooked = model.logits(inputs, -1, observer).toFloatArray();
      }
      assertArrayEquals(plain, hooked, 0f);
      assertEquals(List.of(0, 1), outputLayers);
      assertEquals(2, probs.size());
      for (float[] p : probs) {
        for (int row = 0; row < BATCH * 2 * TOKENS; row++) {
          int query = row % TOKENS;
          double sum = 0;
          for (int key = 0; key < TOKENS; key++) {
            float v = p[row * TOKENS + key];
            if (key > query) {
              assertEquals(0f, v, 0f, "attention to a future token");
            }
            sum += v;
          }
          assertEquals(1.0, sum, 1e-5);
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Architecture.class,
      names = {"LSTM", "RNN"})
  void recurrentModelsMatchTheTransformersParameterCount(Architecture arch) {
    ModelConfig c = new ModelConfig(arch, 2, 4, 64, 95, 32, 17);
    try (NDManager root = Tensors.newManager();
        SequenceModel recurrent = SequenceModel.create(c, root, 1);
        SequenceModel transformer =
            SequenceModel.create(
                new ModelConfig(Architecture.TRANSFORMER, 2, 4, 64, 95, 32, 17), root, 1)) {
      long target = transformer.parameters().count();
      assertEquals(target, Recurrent.transformerParameters(c), "formula mirrors the model");
      long count = recurrent.parameters().count();
      // At least the target, and less than one more hidden unit's worth of parameters above it.
      assertTrue(count >= target, arch + " " + count + " < " + target);
      assertTrue(count < target * 1.02, arch + " " + count + " vs " + target);
    }
  }

  /** The label lookup equals one linear layer over [item, one-hot label], as it replaces it. */
  @Test
  void theLabelSlotEmbedsLikeAOneHotLinearLayer() {
    ModelConfig c = config(Architecture.TRANSFORMER);
    try (NDManager root = Tensors.newManager();
        NDManager step = root.newSubManager()) {
      ParameterStore params = new ParameterStore(step, 1);
      InputEmbedding embedding = new InputEmbedding(params, c);
      float[] x = randomInputs(5);
      float[] got = embedding.apply(step.create(x, new Shape(BATCH, TOKENS, INPUT))).toFloatArray();
      assertEquals("embed.weight", params.names().get(0));
      float[] w = params.arrays().get(0).toFloatArray(); // [16, 11 + LABELS]
      int in = INPUT - 1 + LABELS;
      for (int token = 0; token < BATCH * TOKENS; token++) {
        int slot = (int) x[token * INPUT + INPUT - 1];
        for (int o = 0; o < 16; o++) {
          double expected = 0; // bias is zero at initialisation
          for (int k = 0; k < INPUT - 1; k++) {
            expected += w[o * in + k] * x[token * INPUT + k];
          }
          if (slot > 0) {
            expected += w[o * in + INPUT - 1 + slot - 1];
          }
          assertEquals(expected, got[token * 16 + o], 1e-5, "token " + token + ", unit " + o);
        }
      }
    }
  }

  private static float[] param(SequenceModel model, String name) {
    ParameterStore p = model.parameters();
    return p.arrays().get(p.names().indexOf(name)).toFloatArray();
  }

  /**
   * The attention output the hooks record at layer 0 equals the block's attention recomputed here
   * in plain loops from the weights: embedding, positions, LayerNorm, Q/K/V, causal softmax per
   * head, output projection.
   */
  @Test
  void recordedAttentionOutputEqualsAPlainRecomputation() {
    int width = 16;
    int heads = 2;
    int headDim = width / heads;
    try (NDManager root = Tensors.newManager();
        SequenceModel model = SequenceModel.create(config(Architecture.TRANSFORMER), root, 3);
        NDManager step = root.newSubManager()) {
      for (NDArray a : model.parameters().arrays()) {
        a.addi(0.05f); // biases and LayerNorm shifts away from their 0 initialisation
      }
      float[] x = randomInputs(6);
      float[] recorded = LayerOutput.of(model, step.create(x, new Shape(BATCH, TOKENS, INPUT)), 0);
      float[] embed = param(model, "embed.weight"); // [width, INPUT - 1 + LABELS]
      float[] embedBias = param(model, "embed.bias");
      float[] position = param(model, "position"); // [TOKENS, width]
      float[] normW = param(model, "block0.norm1.weight");
      float[] normB = param(model, "block0.norm1.bias");
      float[] qkvW = param(model, "block0.qkv.weight"); // [3 width, width]
      float[] qkvB = param(model, "block0.qkv.bias");
      float[] outW = param(model, "block0.out.weight"); // [width, width]
      float[] outB = param(model, "block0.out.bias");
      int in = INPUT - 1 + LABELS;
      for (int b = 0; b < BATCH; b++) {
        double[][] qkv = new double[TOKENS][3 * width];
        for (int t = 0; t < TOKENS; t++) {
          int token = (b * TOKENS + t) * INPUT;
          int slot = (int) x[token + INPUT - 1];
          double[] e = new double[width];
          for (int o = 0; o < width; o++) {
            e[o] = embedBias[o] + position[t * width + o];
            for (int k = 0; k < INPUT - 1; k++) {
              e[o] += embed[o * in + k] * x[token + k];
            }
            e[o] += slot > 0 ? embed[o * in + INPUT - 1 + slot - 1] : 0;
          }
          double mean = java.util.Arrays.stream(e).average().orElseThrow();
          double var =
              java.util.Arrays.stream(e).map(v -> (v - mean) * (v - mean)).average().orElseThrow();
          double[] h = new double[width];
          for (int o = 0; o < width; o++) {
            h[o] = (e[o] - mean) / Math.sqrt(var + 1e-5) * normW[o] + normB[o];
          }
          for (int r = 0; r < 3 * width; r++) {
            qkv[t][r] = qkvB[r];
            for (int k = 0; k < width; k++) {
              qkv[t][r] += qkvW[r * width + k] * h[k];
            }
          }
        }
        for (int t = 0; t < TOKENS; t++) {
          double[] attended = new double[width];
          for (int head = 0; head < heads; head++) {
            double[] p = new double[t + 1];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j <= t; j++) {
              for (int d = 0; d < headDim; d++) {
                p[j] += qkv[t][head * headDim + d] * qkv[j][width + head * headDim + d];
              }
              p[j] /= Math.sqrt(headDim);
              max = Math.max(max, p[j]);
            }
            double sum = 0;
            for (int j = 0; j <= t; j++) {
              p[j] = Math.exp(p[j] - max);
              sum += p[j];
            }
            for (int j = 0; j <= t; j++) {
              for (int d = 0; d < headDim; d++) {
                attended[head * headDim + d] += p[j] / sum * qkv[j][2 * width + head * headDim + d];
              }
            }
          }
          for (int o = 0; o < width; o++) {
            double expected = outB[o];
            for (int k = 0; k < width; k++) {
              expected += outW[o * width + k] * attended[k];
            }
            assertEquals(
                expected,
                recorded[(b * TOKENS + t) * width + o],
                1e-5,
                "row " + b + ", token " + t + ", unit " + o);
          }
        }
      }
    }
  }

  /**
   * Per-row projections equal to the model's own give the plain forward; changing one row's changes
   * that row's outputs only; a model without attention refuses them.
   */
  @Test
  void rowProjectionsActOnTheirOwnRowOnly() {
    try (NDManager root = Tensors.newManager();
        SequenceModel model = SequenceModel.create(config(Architecture.TRANSFORMER), root, 1);
        SequenceModel lstm = SequenceModel.create(config(Architecture.LSTM), root, 1);
        NDManager step = root.newSubManager()) {
      NDArray inputs = step.create(randomInputs(7), new Shape(BATCH, TOKENS, INPUT));
      float[] plain = model.logits(inputs, -1, null).toFloatArray();
      List<NDArray> weights = new ArrayList<>();
      List<NDArray> biases = new ArrayList<>();
      for (int l = 0; l < 2; l++) {
        weights.add(
            step.create(param(model, "block%d.qkv.weight".formatted(l)), new Shape(1, 48, 16))
                .repeat(0, BATCH));
        biases.add(
            step.create(param(model, "block%d.qkv.bias".formatted(l)), new Shape(1, 48))
                .repeat(0, BATCH));
      }
      RowProjections own = new RowProjections(weights, biases);
      assertArrayEquals(plain, model.logits(inputs, -1, null, own).toFloatArray(), 1e-5f);
      // Row 1's value projection of layer 0 doubled: rows 0 and 2 keep their logits.
      NDArray scale = step.ones(new Shape(BATCH, 48, 1));
      scale.set(new ai.djl.ndarray.index.NDIndex("1, 32:, :"), 2f);
      List<NDArray> changed = new ArrayList<>(weights);
      changed.set(0, weights.get(0).mul(scale));
      float[] other =
          model.logits(inputs, -1, null, new RowProjections(changed, biases)).toFloatArray();
      for (int k = 0; k < LABELS; k++) {
        assertEquals(plain[k], other[k], 1e-5f, "row 0");
        assertEquals(plain[2 * LABELS + k], other[2 * LABELS + k], 1e-5f, "row 2");
      }
      boolean rowOneChanged = false;
      for (int k = 0; k < LABELS; k++) {
        rowOneChanged |= Math.abs(plain[LABELS + k] - other[LABELS + k]) > 1e-3f;
      }
      assertTrue(rowOneChanged, "row 1 changes");
      assertThrows(UnsupportedOperationException.class, () -> lstm.logits(inputs, -1, null, own));
    }
  }

  /**
   * Autograd's gradient of the transformer (standard and momentum attention) against central
   * differences, at entries of the MLP (whose GELU is the engine's own), attention, embedding and
   * head weights: the fused operations must leave the gradients as the formulas give them.
   */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(doubles = {0, 0.9})
  void transformerGradientsMatchFiniteDifferences(double eta) {
    ModelConfig config =
        new ModelConfig(Architecture.TRANSFORMER, 2, 2, 16, INPUT, LABELS, TOKENS, 0, eta);
    try (NDManager root = Tensors.newManager();
        SequenceModel model = SequenceModel.create(config, root, 3)) {
      float[] x = randomInputs(4);
      SplittableRandom rng = new SplittableRandom(5);
      float[] readout = new float[BATCH * TOKENS * LABELS];
      for (int i = 0; i < readout.length; i++) {
        readout[i] = (float) rng.nextGaussian();
      }
      List<String> names = model.parameters().names();
      List<NDArray> arrays = model.parameters().arrays();
      float[][] gradients = new float[arrays.size()][];
      try (NDManager step = root.newSubManager();
          ai.djl.training.GradientCollector collector = step.getEngine().newGradientCollector()) {
        NDArray loss = readoutLoss(model, step, x, readout);
        collector.backward(loss);
        for (int p = 0; p < arrays.size(); p++) {
          gradients[p] = arrays.get(p).getGradient().toFloatArray();
        }
      }
      int checked = 0;
      for (int p = 0; p < arrays.size(); p++) {
        String name = names.get(p);
        if (!name.matches("block[01]\\.(up|down|qkv)\\.weight|embed\\.weight|head\\.weight")) {
          continue;
        }
        NDArray w = arrays.get(p);
        for (int k = 0; k < 3; k++) {
          int index = rng.nextInt((int) w.size());
          double numeric = centralDifference(model, root, x, readout, w, index, 1e-2f);
          double analytic = gradients[p][index];
          assertEquals(
              numeric,
              analytic,
              3e-3 + 0.02 * Math.abs(numeric),
              "d loss / d %s[%d] (eta %s)".formatted(name, index, eta));
          checked++;
        }
      }
      assertEquals(24, checked, "entries checked");
    }
  }

  private static NDArray readoutLoss(
      SequenceModel model, NDManager step, float[] x, float[] readout) {
    NDArray inputs = step.create(x, new Shape(BATCH, TOKENS, INPUT));
    NDArray weights = step.create(readout, new Shape(BATCH, TOKENS, LABELS));
    return model.logits(inputs, 1, null).mul(weights).sum();
  }

  private static double centralDifference(
      SequenceModel model,
      NDManager root,
      float[] x,
      float[] readout,
      NDArray w,
      int index,
      float eps) {
    float[] values = w.toFloatArray();
    double[] losses = new double[2];
    for (int side = 0; side < 2; side++) {
      float[] moved = values.clone();
      moved[index] += side == 0 ? eps : -eps;
      w.set(moved);
      try (NDManager step = root.newSubManager()) {
        losses[side] = readoutLoss(model, step, x, readout).getFloat();
      }
    }
    w.set(values);
    return (losses[0] - losses[1]) / (2 * eps);
  }
}
