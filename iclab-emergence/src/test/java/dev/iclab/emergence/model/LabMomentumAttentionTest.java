package dev.iclab.emergence.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.IclabException;
import dev.iclab.emergence.Preset;
import dev.iclab.emergence.RunSpec;
import dev.iclab.emergence.Settings;
import dev.iclab.tensor.Tensors;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Dai et al.'s momentum attention in the emergence lab's transformer. */
class LabMomentumAttentionTest {
  private static final int BATCH = 2;
  private static final int TOKENS = 7;
  private static final int INPUT = 6;
  private static final int WIDTH = 8;

  private static ModelConfig config(double eta) {
    return new ModelConfig(Architecture.TRANSFORMER, 1, 2, WIDTH, INPUT, 4, TOKENS, 0, eta);
  }

  private static float[] inputs() {
    SplittableRandom rng = new SplittableRandom(5);
    float[] x = new float[BATCH * TOKENS * INPUT];
    for (int i = 0; i < x.length; i++) {
      x[i] = i % INPUT == INPUT - 1 ? rng.nextInt(5) : (float) rng.nextGaussian();
    }
    return x;
  }

  /** Layer 0's attention output (after the output projection), [batch, tokens, width]. */
  private static float[] layerZeroOutput(double eta) {
    try (NDManager root = Tensors.newManager();
        SequenceModel model = SequenceModel.create(config(eta), root, 3);
        NDManager step = root.newSubManager()) {
      return LayerOutput.of(model, step.create(inputs(), new Shape(BATCH, TOKENS, INPUT)), 0);
    }
  }

  /**
   * Same seed, same weights: layer 0's output differs from standard attention by D_t(eta) =
   * sum_{i<t} eta^(t-i) u_i with u_i = W_out v_i, independent of eta. Reading the u_i off an eta =
   * 0.5 model must predict the eta = 0.9 model's difference at every position.
   */
  @Test
  void theMomentumTermIsTheDecayedSumOfEarlierValues() {
    float[] standard = layerZeroOutput(0);
    float[] half = layerZeroOutput(0.5);
    float[] ninety = layerZeroOutput(0.9);
    for (int b = 0; b < BATCH; b++) {
      double[][] u = new double[TOKENS][WIDTH];
      for (int t = 1; t < TOKENS; t++) {
        for (int c = 0; c < WIDTH; c++) {
          // D_t(0.5) = 0.5 * u_{t-1} + sum_{i<t-1} 0.5^(t-i) u_i
          double earlier = 0;
          for (int i = 0; i < t - 1; i++) {
            earlier += Math.pow(0.5, t - i) * u[i][c];
          }
          int at = (b * TOKENS + t) * WIDTH + c;
          u[t - 1][c] = (half[at] - standard[at] - earlier) / 0.5;
        }
      }
      for (int t = 0; t < TOKENS; t++) {
        for (int c = 0; c < WIDTH; c++) {
          double expected = 0;
          for (int i = 0; i < t; i++) {
            expected += Math.pow(0.9, t - i) * u[i][c];
          }
          int at = (b * TOKENS + t) * WIDTH + c;
          assertEquals(expected, ninety[at] - standard[at], 2e-5, "batch " + b + " token " + t);
        }
      }
    }
    int firstToken = 0;
    assertEquals(standard[firstToken], ninety[firstToken], 0f, "token 0 has no earlier values");
    assertFalse(java.util.Arrays.equals(standard, ninety), "momentum changed nothing");
  }

  /** eta 0 is standard attention: the settings resolve to the same spec, hence the same model. */
  @Test
  void etaZeroIsStandardAttention() {
    RunSpec standard = Settings.of(Preset.parse("quick")).toSpec("a");
    RunSpec etaZero =
        Settings.of(Preset.parse("quick"))
            .with("attention", "momentum")
            .with("momentum-eta", "0")
            .toSpec("a");
    assertEquals(standard, etaZero);
  }

  @Test
  void laterTokensDoNotChangeEarlierOutputs() {
    try (NDManager root = Tensors.newManager();
        SequenceModel model = SequenceModel.create(config(0.9), root, 1);
        NDManager step = root.newSubManager()) {
      float[] x = inputs();
      float[] before =
          model.logits(step.create(x, new Shape(BATCH, TOKENS, INPUT)), 1, null).toFloatArray();
      for (int b = 0; b < BATCH; b++) {
        for (int k = 0; k < INPUT - 1; k++) {
          x[(b * TOKENS + TOKENS - 1) * INPUT + k] += 3f;
        }
      }
      float[] after =
          model.logits(step.create(x, new Shape(BATCH, TOKENS, INPUT)), 1, null).toFloatArray();
      int labels = 4;
      for (int b = 0; b < BATCH; b++) {
        for (int t = 0; t < TOKENS - 1; t++) {
          for (int l = 0; l < labels; l++) {
            int at = (b * TOKENS + t) * labels + l;
            assertEquals(before[at], after[at], 1e-6, "token " + t + " saw a later token");
          }
        }
      }
    }
  }

  @Test
  void runJsonRecordsMomentumAndLeavesStandardRunsAsBefore() throws Exception {
    ObjectMapper json = new ObjectMapper();
    RunSpec standard = Settings.of(Preset.parse("quick")).toSpec("s");
    JsonNode standardJson = json.valueToTree(standard);
    assertFalse(standardJson.has("momentumEta"), standardJson.toString());
    assertEquals(standard, json.treeToValue(standardJson, RunSpec.class));

    RunSpec momentum =
        Settings.of(Preset.parse("quick"))
            .with("attention", "momentum")
            .with("momentum-eta", "0.5")
            .toSpec("m");
    JsonNode momentumJson = json.valueToTree(momentum);
    assertEquals(0.5, momentumJson.get("momentumEta").asDouble());
    assertEquals(momentum, json.treeToValue(momentumJson, RunSpec.class));
    assertEquals(0.5, dev.iclab.emergence.RunSetup.of(momentum).modelConfig().momentumEta());
  }

  @Test
  void badMomentumSettingsAreRefusedWithOneLine() {
    Settings quick = Settings.of(Preset.parse("quick"));
    String eta =
        assertThrows(
                IclabException.class,
                () -> quick.with("attention", "momentum").with("momentum-eta", "1").toSpec("x"))
            .getMessage();
    assertTrue(eta.contains("--momentum-eta must be in [0, 1)"), eta);
    String kind =
        assertThrows(IclabException.class, () -> quick.with("attention", "linear").toSpec("x"))
            .getMessage();
    assertTrue(kind.contains("use standard or momentum"), kind);
    String lstm =
        assertThrows(
                IclabException.class,
                () -> quick.with("attention", "momentum").with("arch", "lstm").toSpec("x"))
            .getMessage();
    assertTrue(lstm.contains("needs --arch transformer"), lstm);
  }
}
