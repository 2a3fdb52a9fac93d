package dev.iclab.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;

/**
 * The tensor operations iclab's models need that DJL lacks or makes awkward. All compute in FP32;
 * results belong to the manager of the first input unless said otherwise.
 */
public final class Ops {
  /** Added to masked attention scores; finite so a fully masked (padding) row cannot give NaN. */
  public static final float MASKED = -1e30f;

  private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);

  private Ops() {}

  /**
   * x * factor, safe under autograd. DJL's {@code mul(Number)} (and {@code div}, {@code pow}) wraps
   * the number in a scalar array over a Java direct buffer and closes it right after the op, but
   * autograd keeps that scalar for the backward pass; once the GC frees the buffer, backward reads
   * whatever now lives there: NaN/Inf or silently wrong gradients. This scalar belongs to x's
   * manager and lives as long as the result does.
   */
  public static NDArray scale(NDArray x, float factor) {
    return x.mul(x.getManager().create(factor));
  }

  /** y = x W^T + b, with W in the nn.Linear layout [out, in]; b may be null. */
  public static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
    return Linear.linear(x, weight, bias).singletonOrThrow();
  }

  /** LayerNorm over the last axis with biased variance: (x - mean) / sqrt(var + eps) * w + b. */
  public static NDArray layerNorm(NDArray x, NDArray weight, NDArray bias, double eps) {
    Shape normalized = new Shape(x.getShape().get(x.getShape().dimension() - 1));
    return LayerNorm.layerNorm(x, normalized, weight, bias, (float) eps).singletonOrThrow();
  }

  /** RMSNorm over the last axis: w * x / sqrt(mean(x^2) + eps). */
  public static NDArray rmsNorm(NDArray x, NDArray weight, double eps) {
    NDArray meanSquare = x.square().mean(new int[] {-1}, true); // [..., 1]
    return x.div(meanSquare.add((float) eps).sqrt()).mul(weight);
  }

  /** Tanh-approximated GELU (HF "gelu_new", "gelu_pytorch_tanh"). */
  public static NDArray geluTanh(NDArray x) {
    NDArray inner = scale(x.add(scale(x.mul(x).mul(x), 0.044715f)), SQRT_2_OVER_PI);
    return scale(x.mul(inner.tanh().add(1f)), 0.5f);
  }

  /** SiLU (swish): x * sigmoid(x). */
  public static NDArray silu(NDArray x) {
    return x.mul(Activation.sigmoid(x));
  }

  /**
   * Applies an HF {@code hidden_act} by name, in as few passes over x as the engine allows (the
   * language models' MLPs spend a large share of a forward pass here): the engine's own exact GELU,
   * and the tanh GELU as x sigmoid(2u) (= 0.5 x (1 + tanh u), u = sqrt(2/pi) (x + 0.044715 x^3)).
   * No step works in place: autograd keeps the intermediate results for the backward pass.
   */
  public static NDArray activation(String name, NDArray x) {
    return switch (name) {
      case "gelu" -> x.getNDArrayInternal().gelu();
      case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> geluTanhSigmoid(x);
      case "silu", "swish" -> silu(x);
      case "relu" -> Activation.relu(x);
      default -> throw new IllegalArgumentException("unsupported activation " + name);
    };
  }

  private static final float GELU_LINEAR = (float) (2 * Math.sqrt(2 / Math.PI));
  private static final float GELU_CUBIC = (float) (2 * Math.sqrt(2 / Math.PI) * 0.044715);

  /**
   * The tanh GELU as x * sigmoid(x (a + b x^2)): 6 passes instead of 9; {@link #geluTanh} within
   * 1e-6.
   */
  private static NDArray geluTanhSigmoid(NDArray x) {
    NDArray inner = scale(x.square(), GELU_CUBIC).add(GELU_LINEAR).mul(x);
    return x.mul(inner.getNDArrayInternal().sigmoid());
  }

  /**
   * {@link #activation}, overwriting {@code x} and its own intermediate results instead of
   * allocating new arrays for each step; the same values. Only for arrays nothing else reads
   * afterwards, outside autograd (a recorded graph keeps intermediate results for the backward
   * pass).
   */
  public static NDArray activationOverwriting(String name, NDArray x) {
    return switch (name) {
      case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> {
        NDArray inner = x.square().muli(GELU_CUBIC).addi(GELU_LINEAR).muli(x);
        yield x.muli(inner.getNDArrayInternal().sigmoid());
      }
      case "silu", "swish" -> x.muli(Activation.sigmoid(x));
      default -> activation(name, x);
    };
  }

  /** Activation names {@link #activation} accepts. */
  public static boolean isSupportedActivation(String name) {
    return switch (name) {
      case "gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "silu", "swish", "relu" -> true;
      default -> false;
    };
  }

  /**
   * Additive attention mask [batch, 1, queries, keys]: 0 where query i (absolute position past + i)
   * may see key j, {@link #MASKED} elsewhere. A key is visible when j <= past + i and, if a padding
   * mask is given, its entry is 1.
   *
   * @param keyPadding [batch, keys] with 1 for real tokens and 0 for padding, or null for none
   */
  public static NDArray attentionMask(
      NDManager manager, int batch, int queries, int past, NDArray keyPadding) {
    return attentionMask(manager, batch, queries, past, keyPadding, Integer.MAX_VALUE);
  }

  /**
   * As {@link #attentionMask(NDManager, int, int, int, NDArray)}, and also masking keys at {@code
   * window} or more positions behind the query (sliding-window attention).
   */
  public static NDArray attentionMask(
      NDManager manager, int batch, int queries, int past, NDArray keyPadding, int window) {
    int keys = past + queries;
    float[] causal = new float[queries * keys];
    for (int i = 0; i < queries; i++) {
      for (int j = 0; j < keys; j++) {
        int distance = past + i - j;
        if (distance < 0 || distance >= window) {
          causal[i * keys + j] = MASKED;
        }
      }
    }
    NDArray mask = manager.create(causal, new Shape(1, 1, queries, keys)); // [1, 1, q, k]
    if (keyPadding != null) {
      NDArray pad =
          keyPadding
              .toType(DataType.FLOAT32, false)
              .sub(1f)
              .mul(-MASKED)
              .reshape(batch, 1, 1, keys); // [batch, 1, 1, k]
      mask = mask.add(pad).maximum(MASKED); // [batch, 1, q, k]
    }
    return mask;
  }

  /**
   * Scaled dot-product attention with grouped key/value heads and an observer.
   *
   * @param q [batch, heads, queries, headDim]
   * @param k [batch, kvHeads, keys, headDim]
   * @param v [batch, kvHeads, keys, headDim]
   * @param mask additive mask broadcastable to [batch, heads, queries, keys], or null
   * @param overwrite outside autograd, with no observer of this layer: the mask is added to the
   *     scores in place, saving an array of [batch, heads, queries, keys]
   * @return [batch, heads, queries, headDim]
   */
  public static NDArray attention(
      NDArray q,
      NDArray k,
      NDArray v,
      NDArray mask,
      double scale,
      int layer,
      int queryOffset,
      AttentionObserver observer,
      boolean overwrite) {
    long heads = q.getShape().get(1);
    long kvHeads = k.getShape().get(1);
    if (heads % kvHeads != 0) {
      throw new IllegalArgumentException(
          "heads " + heads + " not a multiple of kv heads " + kvHeads);
    }
    if (heads != kvHeads) {
      k = k.repeat(1, heads / kvHeads); // [batch, heads, keys, headDim]
      v = v.repeat(1, heads / kvHeads); // [batch, heads, keys, headDim]
    }
    NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)); // [batch, heads, queries, keys]
    if (scale != 1) { // callers that scale q beforehand save a pass over the scores
      scores = scale(scores, (float) scale);
    }
    boolean observed = observer != null && observer.observes(layer);
    NDArray masked =
        mask == null ? scores : overwrite && !observed ? scores.addi(mask) : scores.add(mask);
    NDArray probs = masked.softmax(-1); // [batch, heads, queries, keys]
    if (observed) {
      observer.onAttention(layer, queryOffset, scores, probs);
    }
    return probs.matMul(v); // [batch, heads, queries, headDim]
  }

  /** Log-softmax over the last axis. */
  public static NDArray logSoftmax(NDArray x) {
    return x.logSoftmax(-1);
  }
}
