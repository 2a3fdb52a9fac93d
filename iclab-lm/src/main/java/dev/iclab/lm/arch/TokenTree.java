package dev.iclab.lm.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.iclab.tensor.Ops;
import java.util.Arrays;

/**
 * New tokens laid out as a tree after the cached ones, so that many sequences that share the cache
 * run in one forward pass without copying it: token i follows {@code parents[i]} (-1: it follows
 * the cached positions directly). Each token sees the cached keys and its own ancestors (itself
 * included) and sits at position {@code past + depth}, exactly as it would at the end of its own
 * sequence. Packed in-context-learning scoring lays each query's tokens out as a chain and each
 * label word's tokens as a branch of it.
 */
final class TokenTree {
  private final int[] parents;
  private final int[] positions;
  private final int past;

  private TokenTree(int[] parents, int[] positions, int past) {
    this.parents = parents;
    this.positions = positions;
    this.past = past;
  }

  /**
   * @param parents each entry -1 or the index of an earlier token
   * @param past cached positions before the tree
   */
  static TokenTree of(int[] parents, int past) {
    int[] positions = new int[parents.length];
    for (int i = 0; i < parents.length; i++) {
      int p = parents[i];
      if (p < -1 || p >= i) {
        throw new IllegalArgumentException(
            "token tree: token "
                + i
                + " has parent "
                + p
                + "; a parent must come earlier or be -1");
      }
      positions[i] = p < 0 ? past : positions[p] + 1;
    }
    return new TokenTree(parents.clone(), positions, past);
  }

  int size() {
    return parents.length;
  }

  int past() {
    return past;
  }

  /**
   * One more than the largest index distance between a token and its farthest ancestor (its chain's
   * first token): every ancestor of token i lies within i - span < j <= i.
   */
  int span() {
    int[] root = new int[parents.length];
    int span = 1;
    for (int i = 0; i < parents.length; i++) {
      root[i] = parents[i] < 0 ? i : root[parents[i]];
      span = Math.max(span, i - root[i] + 1);
    }
    return span;
  }

  /**
   * The mask of {@link TreeAttention}'s local part, row-major [chunks, chunk, 2 chunk]: token i = c
   * chunk + r sees key slot s (index (c - 1) chunk + s) when that key is an ancestor less than
   * {@code window} positions behind it; rows past the last token see nothing.
   */
  float[] chunkMask(int chunk, int window) {
    int chunks = (parents.length + chunk - 1) / chunk;
    float[] out = new float[chunks * chunk * 2 * chunk];
    Arrays.fill(out, Ops.MASKED);
    for (int i = 0; i < parents.length; i++) {
      int first = (i / chunk - 1) * chunk; // index of window slot 0
      for (int a = i; a >= 0; a = parents[a]) {
        if (positions[i] - positions[a] < window) {
          out[i * 2 * chunk + a - first] = 0f;
        }
      }
    }
    return out;
  }

  /**
   * Row-major [rows, past] additive mask of the prefix keys for a sliding window, or null when no
   * token reaches past it (rows beyond the last token see every key).
   */
  float[] prefixMask(int rows, int window) {
    if (extent() - 1 < window) {
      return null;
    }
    float[] out = new float[rows * past];
    for (int i = 0; i < parents.length; i++) {
      for (int j = 0; j < past; j++) {
        if (positions[i] - j >= window) {
          out[i * past + j] = Ops.MASKED;
        }
      }
    }
    return out;
  }

  /** The largest position a token of the tree takes, plus one. */
  int extent() {
    return Arrays.stream(positions).max().orElse(past - 1) + 1;
  }

  /** Positions [batch, tokens] as int64. */
  NDArray positions(NDManager scope, int batch) {
    long[] rows = new long[batch * positions.length];
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < positions.length; i++) {
        rows[b * positions.length + i] = positions[i];
      }
    }
    return scope.create(rows, new Shape(batch, positions.length));
  }

  /**
   * Additive mask [1, 1, tokens, past + tokens]: 0 where a token may see the key (a cached one or
   * an ancestor less than {@code window} positions behind it), {@link Ops#MASKED} elsewhere.
   */
  NDArray mask(NDManager scope, int window) {
    return scope.create(fill(window, Ops.MASKED, -1), shape());
  }

  /**
   * Momentum attention's decay weights [1, 1, tokens, past + tokens]: eta^(distance) for each key
   * the token sees at a distance of one position or more, 0 elsewhere (see {@link
   * MomentumAttention}); the distance is in positions, so it equals the unpacked sequence's.
   */
  NDArray momentumWeights(NDManager scope, int window, double eta) {
    return scope.create(fill(window, 0f, eta), shape());
  }

  private Shape shape() {
    return new Shape(1, 1, parents.length, past + parents.length);
  }

  /**
   * Row-major [tokens, past + tokens]: {@code hidden} where a key is not visible; where it is, 0
   * for a mask ({@code eta} < 0), else eta^distance (0 at distance 0).
   */
  private float[] fill(int window, float hidden, double eta) {
    int n = parents.length;
    int keys = past + n;
    float[] out = new float[n * keys];
    Arrays.fill(out, hidden);
    for (int i = 0; i < n; i++) {
      int row = i * keys;
      for (int j = 0; j < past; j++) {
        set(out, row + j, positions[i] - j, window, eta);
      }
      for (int a = i; a >= 0; a = parents[a]) {
        set(out, row + past + a, positions[i] - positions[a], window, eta);
      }
    }
    return out;
  }

  private static void set(float[] out, int index, int distance, int window, double eta) {
    if (distance < window) {
      out[index] = eta < 0 ? 0f : distance == 0 ? 0f : (float) Math.pow(eta, distance);
    }
  }
}
