package dev.iclab.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.TestModels;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ForwardOptions;
import dev.iclab.tune.ipt.LabeledQuery;
import dev.iclab.tune.ipt.QueryAccuracy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shared-prompt path (the soft prompt prefilled once, the rows as a token tree after it)
 * against the right-padded batch with the prompt repeated per row: the same loss, gradients and
 * scores.
 */
class SharedPromptLossTest {
  private static final int P = 5;

  /** A soft prompt tuner whose prompt goes in as one row (shared) or repeated per row (padded). */
  private static final class SoftPrompt extends AbstractTuner {
    private final NDManager manager;
    private final NDArray prompt; // [P, hidden]
    private final boolean shared;

    SoftPrompt(CausalLM model, long seed, boolean shared) {
      super("soft", "PROMPT_TUNING", model);
      this.manager = model.manager().newSubManager();
      int hidden = model.config().hiddenSize();
      SplittableRandom random = new SplittableRandom(seed);
      float[] values = new float[P * hidden];
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) random.nextGaussian() * 0.5f;
      }
      this.prompt = manager.create(values, new Shape(P, hidden));
      this.shared = shared;
    }

    @Override
    public ForwardOptions forwardOptions(NDManager scope, int batch) {
      NDArray rows = Scoped.use(scope, prompt).expandDims(0); // [1, P, h]
      return ForwardOptions.NONE.prefix(shared ? rows : rows.repeat(0, batch));
    }

    @Override
    public int virtualTokens() {
      return P;
    }

    @Override
    public List<TrainableParameter> parameters() {
      return List.of(new TrainableParameter("prompt", prompt, null, false));
    }

    @Override
    public void save(Path directory, BaseModel base) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
      manager.close();
    }
  }

  private static CausalLM model(String name) {
    return ModelLoader.standard().load(TestModels.model(name), Device.cpu(), true);
  }

  /** Rows of different lengths; the answer starts at different places, once at the very start. */
  private static List<TrainingExample> batch(int vocab) {
    SplittableRandom random = new SplittableRandom(3);
    int[][] shapes = {{9, 7}, {4, 3}, {12, 0}, {6, 5}};
    List<TrainingExample> out = new ArrayList<>();
    for (int[] s : shapes) {
      int[] ids = new int[s[0]];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = 3 + random.nextInt(vocab - 3);
      }
      out.add(new TrainingExample(ids, s[1]));
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"tinystories-656k", "tiny-gpt2-random"})
  void sharedPathEqualsPaddedBatch(String name) {
    try (CausalLM model = model(name);
        SoftPrompt shared = new SoftPrompt(model, 7, true);
        SoftPrompt padded = new SoftPrompt(model, 7, false);
        NDManager scope = model.manager().newSubManager()) {
      List<TrainingExample> batch = batch(model.config().vocabSize());
      assertTrue(shared.forwardOptions(scope, 4).onlySharedPrefix());
      assertFalse(padded.forwardOptions(scope, 4).onlySharedPrefix());
      for (double smoothing : new double[] {0, 0.1}) {
        double a = BatchLoss.batchLoss(scope, shared, batch, smoothing).getFloat();
        double b = BatchLoss.batchLoss(scope, padded, batch, smoothing).getFloat();
        assertEquals(b, a, 1e-5 * Math.abs(b), "loss, smoothing " + smoothing);
      }
      float[] ga = BatchLoss.gradients(shared, batch).get("prompt");
      float[] gb = BatchLoss.gradients(padded, batch).get("prompt");
      double scale = 0;
      for (float g : gb) {
        scale = Math.max(scale, Math.abs(g));
      }
      assertTrue(scale > 0, "the prompt gets a gradient");
      for (int i = 0; i < gb.length; i++) {
        assertEquals(gb[i], ga[i], 1e-4 * scale, "gradient " + i);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"tinystories-656k", "tiny-gpt2-random"})
  void packedQueryScoresEqualPerQueryBatches(String name) {
    try (CausalLM model = model(name);
        SoftPrompt shared = new SoftPrompt(model, 11, true)) {
      SplittableRandom random = new SplittableRandom(5);
      int vocab = model.config().vocabSize();
      List<LabeledQuery> queries = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        int[] context = new int[3 + random.nextInt(12)];
        for (int t = 0; t < context.length; t++) {
          context[t] = 3 + random.nextInt(vocab - 3);
        }
        int[] two = {3 + random.nextInt(vocab - 3), 3 + random.nextInt(vocab - 3)};
        queries.add(new LabeledQuery(context, List.of(new int[] {5}, two), i % 2));
      }
      List<double[]> packed = QueryAccuracy.scores(shared, queries);
      int correct = 0;
      for (int i = 0; i < queries.size(); i++) {
        double[] alone = QueryAccuracy.scores(shared, queries.get(i));
        for (int j = 0; j < alone.length; j++) {
          assertEquals(alone[j], packed.get(i)[j], 1e-4 * Math.max(1, Math.abs(alone[j])));
        }
        correct += (alone[1] > alone[0] ? 1 : 0) == queries.get(i).label() ? 1 : 0;
      }
      assertEquals((double) correct / queries.size(), QueryAccuracy.of(shared, queries), 1e-12);
    }
  }
}
