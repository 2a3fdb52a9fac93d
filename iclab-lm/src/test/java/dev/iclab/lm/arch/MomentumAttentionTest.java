package dev.iclab.lm.arch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.TestModels;
import dev.iclab.lm.Tolerances;
import dev.iclab.lm.cache.KvCache;
import dev.iclab.lm.config.AttentionVariant;
import dev.iclab.lm.config.ConfigException;
import dev.iclab.lm.hooks.AttentionRecorder;
import dev.iclab.tensor.MomentumAttention;
import dev.iclab.tensor.Ops;
import dev.iclab.tensor.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** Dai et al.'s momentum attention: the term itself, and every architecture computing it. */
class MomentumAttentionTest {
  static final List<String> MODELS =
      List.of(
          "synthetic/llama-tiny-untied",
          "synthetic/gpt2-tiny",
          "synthetic/neox-tiny",
          "synthetic/mistral-tiny",
          "synthetic/qwen2-tiny");
  private static final int[] IDS = {1, 17, 42, 5, 99, 3, 250, 7, 64, 11};
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path temp;

  /** A copy of a shared checkpoint whose config.json carries {@code attention}. */
  private Path withAttention(String name, Object attention) throws IOException {
    Path source = TestModels.model(name);
    Path dir =
        Files.createDirectories(temp.resolve(name.replace('/', '_') + "-" + attention.hashCode()));
    try (var files = Files.list(source)) {
      for (Path f : files.toList()) {
        if (Files.isRegularFile(f)) {
          Files.copy(f, dir.resolve(f.getFileName()));
        }
      }
    }
    ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
    if (attention instanceof AttentionVariant variant) {
      variant.writeTo(config);
    } else {
      config.set(AttentionVariant.KEY, JSON.readTree(attention.toString()));
    }
    Files.writeString(dir.resolve("config.json"), config.toPrettyString());
    return dir;
  }

  private static float[] logits(Path dir, int[] ids) {
    try (CausalLM model = ModelLoader.standard().load(dir);
        NDManager scope = model.manager().newSubManager()) {
      return model
          .forward(scope, scope.create(ids, new Shape(1, ids.length)), ForwardOptions.NONE)
          .toFloatArray();
    }
  }

  @Test
  void threeTokenExampleMatchesTheFormula() {
    try (NDManager scope = Tensors.newManager(ai.djl.Device.cpu())) {
      // one head of width 1, values 1, 10, 100; eta 0.5:
      // m_1 = 0, m_2 = 0.5 * 1, m_3 = 0.5 * 10 + 0.25 * 1
      NDArray values = scope.create(new float[] {1, 10, 100}, new Shape(1, 1, 3, 1));
      NDArray weights = MomentumAttention.weights(scope, 3, 0, null, 0.5);
      float[] term = MomentumAttention.term(weights, values, 1).toFloatArray();
      assertArrayEquals(new float[] {0f, 0.5f, 5.25f}, term, 0f);
    }
  }

  @Test
  void termEqualsDirectLoopWithPastPaddingAndGroupedHeads() {
    int batch = 2;
    int kvHeads = 2;
    int heads = 4;
    int past = 3;
    int queries = 4;
    int keys = past + queries;
    int dim = 3;
    double eta = 0.7;
    Random random = new Random(5);
    float[] v = new float[batch * kvHeads * keys * dim];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) random.nextGaussian();
    }
    float[] padding = new float[batch * keys];
    Arrays.fill(padding, 1f);
    padding[0] = 0; // row 0: first two keys are left padding
    padding[1] = 0;
    try (NDManager scope = Tensors.newManager(ai.djl.Device.cpu())) {
      NDArray mask =
          Ops.attentionMask(scope, batch, queries, past, scope.create(padding, new Shape(2, keys)));
      NDArray weights = MomentumAttention.weights(scope, queries, past, mask, eta);
      NDArray values = scope.create(v, new Shape(batch, kvHeads, keys, dim));
      float[] term = MomentumAttention.term(weights, values, heads).toFloatArray();
      for (int b = 0; b < batch; b++) {
        for (int h = 0; h < heads; h++) {
          int g = h / (heads / kvHeads);
          for (int q = 0; q < queries; q++) {
            int t = past + q;
            for (int d = 0; d < dim; d++) {
              double expected = 0;
              for (int i = 0; i < t; i++) {
                if (padding[b * keys + i] == 1) {
                  expected += Math.pow(eta, t - i) * v[((b * kvHeads + g) * keys + i) * dim + d];
                }
              }
              float actual = term[((b * heads + h) * queries + q) * dim + d];
              assertEquals(expected, actual, 1e-5, "b%d h%d q%d d%d".formatted(b, h, q, d));
            }
          }
        }
      }
    }
  }

  @Test
  void gradientOfTheTermMatchesFiniteDifferences() {
    int keys = 5;
    int dim = 2;
    double eta = 0.9;
    Random random = new Random(7);
    float[] v = new float[keys * dim];
    float[] r = new float[keys * dim];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) random.nextGaussian();
      r[i] = (float) random.nextGaussian();
    }
    try (NDManager scope = Tensors.newManager(ai.djl.Device.cpu())) {
      NDArray weights = MomentumAttention.weights(scope, keys, 0, null, eta);
      NDArray probe = scope.create(r, new Shape(1, 1, keys, dim));
      NDArray values = scope.create(v, new Shape(1, 1, keys, dim));
      values.setRequiresGradient(true);
      float[] analytic;
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray loss = MomentumAttention.term(weights, values, 1).mul(probe).sum();
        collector.backward(loss);
        analytic = values.getGradient().toFloatArray();
      }
      double h = 1e-2; // the loss is linear in v, so central differences are exact up to rounding
      for (int i = 0; i < v.length; i++) {
        float[] plus = v.clone();
        float[] minus = v.clone();
        plus[i] += (float) h;
        minus[i] -= (float) h;
        double lossPlus = loss(scope, weights, probe, plus, keys, dim);
        double lossMinus = loss(scope, weights, probe, minus, keys, dim);
        assertEquals((lossPlus - lossMinus) / (2 * h), analytic[i], 1e-3, "value " + i);
      }
      // the last key's value has no later position to feed, so its gradient is 0
      assertEquals(0f, analytic[(keys - 1) * dim], 0f);
    }
  }

  private static double loss(
      NDManager scope, NDArray weights, NDArray probe, float[] v, int keys, int dim) {
    NDArray values = scope.create(v, new Shape(1, 1, keys, dim));
    return MomentumAttention.term(weights, values, 1).mul(probe).sum().getFloat();
  }

  @ParameterizedTest
  @FieldSource("MODELS")
  void etaZeroIsStandardAttentionBitForBit(String name) throws IOException {
    float[] standard = logits(TestModels.model(name), IDS);
    float[] zero = logits(withAttention(name, AttentionVariant.momentum(0)), IDS);
    assertArrayEquals(standard, zero, 0f, name);
    float[] momentum = logits(withAttention(name, AttentionVariant.momentum(0.9)), IDS);
    assertFalse(Arrays.equals(standard, momentum), name + ": eta 0.9 must change the logits");
  }

  @Test
  void layerZeroOutputChangesByTheOutputProjectionOfTheLoopSum() throws IOException {
    // Llama layer 0 reads the embeddings, so its values are v_i = W_v rmsnorm(e_i) in both models;
    // the attention outputs differ by exactly W_o [m_t per head], m_t = sum_{i<t} eta^(t-i) v_i.
    double eta = 0.8;
    Path dir = withAttention("synthetic/llama-tiny-untied", AttentionVariant.momentum(eta));
    float[][] standard = layerZeroOutputs(TestModels.model("synthetic/llama-tiny-untied"));
    float[][] momentum = layerZeroOutputs(dir);
    try (CausalLM model = ModelLoader.standard().load(dir)) {
      var c = model.config();
      int hidden = c.hiddenSize();
      int kvDim = c.numKeyValueHeads() * c.headDim();
      int groups = c.numHeads() / c.numKeyValueHeads();
      var p = model.parameters();
      float[] embed = p.get("model.embed_tokens.weight").toFloatArray();
      float[] norm = p.get("model.layers.0.input_layernorm.weight").toFloatArray();
      float[] wv = p.get("model.layers.0.self_attn.v_proj.weight").toFloatArray(); // [kvDim, h]
      float[] wo = p.get("model.layers.0.self_attn.o_proj.weight").toFloatArray(); // [h, qDim]
      double[][] values = new double[IDS.length][kvDim];
      for (int t = 0; t < IDS.length; t++) {
        double square = 0;
        for (int j = 0; j < hidden; j++) {
          double x = embed[IDS[t] * hidden + j];
          square += x * x;
        }
        double inv = 1 / Math.sqrt(square / hidden + 1e-5);
        for (int o = 0; o < kvDim; o++) {
          double sum = 0;
          for (int j = 0; j < hidden; j++) {
            sum += wv[o * hidden + j] * embed[IDS[t] * hidden + j] * inv * norm[j];
          }
          values[t][o] = sum;
        }
      }
      for (int t = 0; t < IDS.length; t++) {
        double[] merged = new double[c.numHeads() * c.headDim()];
        for (int head = 0; head < c.numHeads(); head++) {
          int g = head / groups;
          for (int d = 0; d < c.headDim(); d++) {
            double m = 0;
            for (int i = 0; i < t; i++) {
              m += Math.pow(eta, t - i) * values[i][g * c.headDim() + d];
            }
            merged[head * c.headDim() + d] = m;
          }
        }
        for (int o = 0; o < hidden; o++) {
          double expected = 0;
          for (int j = 0; j < merged.length; j++) {
            expected += wo[o * merged.length + j] * merged[j];
          }
          assertEquals(expected, momentum[t][o] - standard[t][o], 2e-5, "t" + t + " o" + o);
        }
      }
    }
  }

  private static float[][] layerZeroOutputs(Path dir) {
    var recorder = new AttentionRecorder(List.of(0), List.of());
    try (CausalLM model = ModelLoader.standard().load(dir);
        NDManager scope = model.manager().newSubManager()) {
      model.forward(
          scope,
          scope.create(IDS, new Shape(1, IDS.length)),
          ForwardOptions.NONE.observe(recorder));
    }
    float[][] out = new float[IDS.length][];
    for (int t = 0; t < IDS.length; t++) {
      out[t] = recorder.get(0, 0, t).orElseThrow().output();
    }
    return out;
  }

  @ParameterizedTest
  @FieldSource("MODELS")
  void cachedTokenByTokenEqualsFullForward(String name) throws IOException {
    Path dir = withAttention(name, AttentionVariant.momentum(0.9));
    try (CausalLM model = ModelLoader.standard().load(dir);
        NDManager scope = model.manager().newSubManager()) {
      assertTrue(model.config().attention().isMomentum());
      float[] full =
          model
              .forward(scope, scope.create(IDS, new Shape(1, IDS.length)), ForwardOptions.NONE)
              .toFloatArray();
      int vocab = model.config().vocabSize();
      try (KvCache cache = model.newCache(scope)) {
        // a 3-token prompt at once, then one token at a time
        float[] prompt =
            model
                .forward(
                    scope,
                    scope.create(Arrays.copyOf(IDS, 3), new Shape(1, 3)),
                    ForwardOptions.withCache(cache))
                .toFloatArray();
        Tolerances.assertClose(Arrays.copyOf(full, 3 * vocab), prompt, 1e-5, name + " prompt");
        for (int t = 3; t < IDS.length; t++) {
          float[] step =
              model
                  .forward(
                      scope,
                      scope.create(new int[] {IDS[t]}, new Shape(1, 1)),
                      ForwardOptions.withCache(cache))
                  .toFloatArray();
          Tolerances.assertClose(
              Arrays.copyOfRange(full, t * vocab, (t + 1) * vocab),
              step,
              1e-5,
              name + " position " + t);
        }
      }
    }
  }

  @ParameterizedTest
  @FieldSource("MODELS")
  void leftPaddedBatchEqualsEachSequenceAlone(String name) throws IOException {
    Path dir = withAttention(name, AttentionVariant.momentum(0.9));
    int[][] sequences = {IDS, Arrays.copyOf(IDS, 4), Arrays.copyOfRange(IDS, 2, 9)};
    int width = IDS.length;
    int n = sequences.length;
    int[] ids = new int[n * width];
    float[] mask = new float[n * width];
    for (int i = 0; i < n; i++) {
      int pad = width - sequences[i].length;
      for (int t = 0; t < sequences[i].length; t++) {
        ids[i * width + pad + t] = sequences[i][t];
        mask[i * width + pad + t] = 1;
      }
      for (int t = 0; t < pad; t++) {
        ids[i * width + t] = 200 + t; // real-looking ids: padding must be masked, not harmless
      }
    }
    try (CausalLM model = ModelLoader.standard().load(dir);
        NDManager scope = model.manager().newSubManager()) {
      NDArray padding = scope.create(mask, new Shape(n, width));
      KvCache cache = model.newCache(scope);
      NDArray batch =
          model.forward(
              scope,
              scope.create(ids, new Shape(n, width)),
              ForwardOptions.NONE.mask(padding).cache(cache));
      // one more token per row, decoded with the cache
      int next = 77;
      float[] ones = new float[n];
      Arrays.fill(ones, 1f);
      NDArray longer =
          ai.djl.ndarray.NDArrays.concat(
              new ai.djl.ndarray.NDList(padding, scope.create(ones, new Shape(n, 1))), 1);
      int[] nextIds = new int[n];
      Arrays.fill(nextIds, next);
      NDArray stepped =
          model.forward(
              scope,
              scope.create(nextIds, new Shape(n, 1)),
              ForwardOptions.NONE.mask(longer).cache(cache));
      for (int i = 0; i < n; i++) {
        int[] s = sequences[i];
        int[] extended = Arrays.copyOf(s, s.length + 1);
        extended[s.length] = next;
        float[] alone =
            model
                .forward(
                    scope,
                    scope.create(extended, new Shape(1, extended.length)),
                    ForwardOptions.NONE)
                .toFloatArray();
        int vocab = model.config().vocabSize();
        float[] row = batch.get(i + ", " + (width - s.length) + ":, :").toFloatArray();
        Tolerances.assertClose(
            Arrays.copyOf(alone, s.length * vocab), row, 1e-5, name + " row " + i);
        Tolerances.assertClose(
            Arrays.copyOfRange(alone, s.length * vocab, (s.length + 1) * vocab),
            stepped.get(i + ", 0, :").toFloatArray(),
            1e-5,
            name + " row " + i + " cached step");
      }
      cache.close();
    }
  }

  @Test
  void hooksRecordWithoutChangingMomentumLogits() throws IOException {
    Path dir = withAttention("synthetic/gpt2-tiny", AttentionVariant.momentum(0.5));
    try (CausalLM model = ModelLoader.standard().load(dir);
        NDManager scope = model.manager().newSubManager()) {
      NDArray input = scope.create(IDS, new Shape(1, IDS.length));
      float[] plain = model.forward(scope, input, ForwardOptions.NONE).toFloatArray();
      var recorder = new AttentionRecorder(List.of(0, 1), List.of(IDS.length - 1));
      float[] observed =
          model.forward(scope, input, ForwardOptions.NONE.observe(recorder)).toFloatArray();
      assertArrayEquals(plain, observed, 0f);
      assertTrue(recorder.get(1, 0, IDS.length - 1).orElseThrow().output() != null);
    }
  }

  @Test
  void badAttentionSettingsAreRefusedNamingFileAndKey() throws IOException {
    for (String bad :
        List.of(
            "{\"type\": \"linear\"}",
            "{\"type\": \"momentum\", \"eta\": 1.0}",
            "{\"type\": \"momentum\", \"eta\": -0.1}",
            "{\"type\": \"momentum\"}",
            "{\"type\": \"momentum\", \"eta\": 0.9, \"window\": 4}",
            "\"momentum\"")) {
      Path dir = withAttention("synthetic/gpt2-tiny", bad);
      ConfigException e =
          assertThrows(ConfigException.class, () -> ModelLoader.standard().load(dir), bad);
      assertTrue(e.getMessage().contains("iclab_attention"), e.getMessage());
      assertTrue(e.getMessage().contains(dir.resolve("config.json").toString()), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }
    Path standard = withAttention("synthetic/gpt2-tiny", "{\"type\": \"standard\"}");
    assertArrayEquals(logits(TestModels.model("synthetic/gpt2-tiny"), IDS), logits(standard, IDS));
  }
}
