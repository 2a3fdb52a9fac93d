package dev.iclab.lm.arch;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.TestModels;
import dev.iclab.lm.Tolerances;
import dev.iclab.lm.cache.KvCache;
import dev.iclab.tensor.AttentionObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** The chunked attention of a token tree equals the dense masked attention it replaces. */
class TreeAttentionTest {
  /** An observer of no layer: its presence alone makes the forward take the dense attention. */
  private static final AttentionObserver NONE_OBSERVED =
      new AttentionObserver() {
        @Override
        public boolean observes(int layer) {
          return false;
        }

        @Override
        public void onAttention(int layer, int queryOffset, NDArray scores, NDArray probs) {}
      };

  /** Chains of 1-9 tokens, each with two branches of 1-3 tokens after its last token. */
  private static int[] parents(Random random, int chains) {
    List<Integer> parents = new ArrayList<>();
    for (int c = 0; c < chains; c++) {
      int length = 1 + random.nextInt(9);
      for (int t = 0; t < length; t++) {
        parents.add(t == 0 ? -1 : parents.size() - 1);
      }
      int last = parents.size() - 1;
      for (int b = 0; b < 2; b++) {
        int branch = 1 + random.nextInt(3);
        for (int t = 0; t < branch; t++) {
          parents.add(t == 0 ? last : parents.size() - 1);
        }
      }
    }
    return parents.stream().mapToInt(Integer::intValue).toArray();
  }

  @ParameterizedTest
  @FieldSource("dev.iclab.lm.TestModels#ONE_PER_ARCHITECTURE")
  void chunkedEqualsDense(String name) {
    Random random = new Random(5);
    try (CausalLM model = ModelLoader.standard().load(TestModels.model(name));
        NDManager scope = model.manager().newSubManager();
        KvCache cache = model.newCache(scope)) {
      // 70 cached tokens: past Mistral's window of 64, so the prefix mask is exercised too
      int[] prefix = random.ints(70, 2, 400).toArray();
      model.forward(
          scope,
          scope.create(prefix, new Shape(1, prefix.length)),
          ForwardOptions.withCache(cache));
      int[] parents = parents(random, 40); // about 360 tokens
      assertNotNull(
          TreeAttention.plan(scope, TokenTree.of(parents, prefix.length), Integer.MAX_VALUE),
          "a tree this long takes the chunked attention");
      int[] ids = random.ints(parents.length, 2, 400).toArray();
      NDArray input = scope.create(ids, new Shape(1, ids.length));
      ForwardOptions tree = ForwardOptions.withCache(cache).tree(parents);
      float[] chunked = model.forward(scope, input, tree).toFloatArray();
      float[] dense = model.forward(scope, input, tree.observe(NONE_OBSERVED)).toFloatArray();
      Tolerances.assertClose(dense, chunked, 1e-4, name);
      assertFalse(java.util.Arrays.equals(new float[chunked.length], chunked));
    }
  }

  @Test
  void chunkedOnlyWhenSomethingIsCachedAndThePassIsLong() {
    try (NDManager scope = dev.iclab.tensor.Tensors.newManager(ai.djl.Device.cpu())) {
      int[] longTree = parents(new Random(1), 40);
      assertTrue(longTree.length >= TreeAttention.MIN_TOKENS);
      assertNotNull(TreeAttention.plan(scope, TokenTree.of(longTree, 8), Integer.MAX_VALUE));
      assertNull(TreeAttention.plan(scope, TokenTree.of(longTree, 0), Integer.MAX_VALUE));
      assertNull(TreeAttention.plan(scope, TokenTree.of(parents(new Random(1), 12), 8), 100));
    }
  }
}
