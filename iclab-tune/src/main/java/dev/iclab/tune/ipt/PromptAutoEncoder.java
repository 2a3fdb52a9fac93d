package dev.iclab.tune.ipt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.iclab.lm.weights.DType;
import dev.iclab.lm.weights.SafetensorsWriter;
import dev.iclab.tune.Init;
import dev.iclab.tune.Scoped;
import dev.iclab.tune.TrainableParameter;
import dev.iclab.tune.peft.AdapterFormatException;
import dev.iclab.tune.peft.PeftFormat;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Qin et al.'s auto-encoder over flattened soft prompts: two two-layer perceptrons,
 *
 * <pre>
 * encoder: prompt [n, P*d] -> Linear(P*d, H) -> tanh -> Linear(H, d_I) -> z [n, d_I]
 * decoder: z [n, d_I]      -> Linear(d_I, H) -> tanh -> Linear(H, P*d) -> prompt [n, P*d]
 * </pre>
 *
 * Weights are stored [in, out] (x W + b). A fresh one is initialised as PyTorch's nn.Linear:
 * weights and biases uniform in +-1/sqrt(fan-in), seeded per array. Owns its arrays in a child
 * manager of the given one; close it to free them.
 */
public final class PromptAutoEncoder implements AutoCloseable {
  static final List<String> ENCODER =
      List.of("encoder.0.weight", "encoder.0.bias", "encoder.2.weight", "encoder.2.bias");
  static final List<String> DECODER =
      List.of("decoder.0.weight", "decoder.0.bias", "decoder.2.weight", "decoder.2.bias");

  private final SubspaceShape shape;
  private final NDManager manager;
  private final Map<String, NDArray> arrays = new LinkedHashMap<>();

  private PromptAutoEncoder(NDManager parent, SubspaceShape shape, Map<String, float[]> values) {
    this.shape = shape;
    this.manager = parent.newSubManager();
    for (Map.Entry<String, long[]> e : shapes(shape).entrySet()) {
      float[] v = values.get(e.getKey());
      arrays.put(e.getKey(), manager.create(v, new Shape(e.getValue())));
    }
  }

  /** A fresh auto-encoder, nn.Linear's initialisation, seeded. */
  public static PromptAutoEncoder create(NDManager parent, SubspaceShape shape, long seed) {
    Map<String, float[]> values = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : shapes(shape).entrySet()) {
      long[] s = e.getValue();
      long fanIn = e.getKey().endsWith("weight") ? s[0] : fanInOfBias(shape, e.getKey());
      int n = (int) Arrays.stream(s).reduce(1, (a, b) -> a * b);
      values.put(e.getKey(), Init.kaimingUniform(Init.seedFor(seed, e.getKey()), n, fanIn));
    }
    return new PromptAutoEncoder(parent, shape, values);
  }

  /** One from given values (name -> row-major values); tests build hand-made cases with it. */
  public static PromptAutoEncoder of(
      NDManager parent, SubspaceShape shape, Map<String, float[]> values) {
    for (Map.Entry<String, long[]> e : shapes(shape).entrySet()) {
      float[] v = values.get(e.getKey());
      long n = Arrays.stream(e.getValue()).reduce(1, (a, b) -> a * b);
      if (v == null || v.length != n) {
        throw new IllegalArgumentException(
            "%s needs %d values, got %s".formatted(e.getKey(), n, v == null ? "none" : v.length));
      }
    }
    return new PromptAutoEncoder(parent, shape, values);
  }

  /** The arrays' shapes by name, [in, out] for weights. */
  static Map<String, long[]> shapes(SubspaceShape s) {
    Map<String, long[]> m = new LinkedHashMap<>();
    m.put(ENCODER.get(0), new long[] {s.flat(), s.hidden()});
    m.put(ENCODER.get(1), new long[] {s.hidden()});
    m.put(ENCODER.get(2), new long[] {s.hidden(), s.intrinsicDim()});
    m.put(ENCODER.get(3), new long[] {s.intrinsicDim()});
    m.put(DECODER.get(0), new long[] {s.intrinsicDim(), s.hidden()});
    m.put(DECODER.get(1), new long[] {s.hidden()});
    m.put(DECODER.get(2), new long[] {s.hidden(), s.flat()});
    m.put(DECODER.get(3), new long[] {s.flat()});
    return m;
  }

  private static long fanInOfBias(SubspaceShape s, String name) {
    return switch (name) {
      case "encoder.0.bias" -> s.flat();
      case "encoder.2.bias", "decoder.2.bias" -> s.hidden();
      default -> s.intrinsicDim();
    };
  }

  public SubspaceShape shape() {
    return shape;
  }

  /** Flattened prompts [n, P*d] (owned by {@code scope}) to intrinsic vectors [n, d_I]. */
  public NDArray encode(NDManager scope, NDArray prompts) {
    return layer(scope, layer(scope, prompts, "encoder.0", true), "encoder.2", false);
  }

  /** Intrinsic vectors [n, d_I] (owned by {@code scope}) to flattened prompts [n, P*d]. */
  public NDArray decode(NDManager scope, NDArray z) {
    return layer(scope, layer(scope, z, "decoder.0", true), "decoder.2", false);
  }

  private NDArray layer(NDManager scope, NDArray x, String name, boolean tanh) {
    NDArray y =
        Scoped.in(scope, x.matMul(arrays.get(name + ".weight")).add(arrays.get(name + ".bias")));
    return tanh ? y.tanh() : y; // [n, out]
  }

  /** Every array, encoder first; MSF trains them all. */
  public List<TrainableParameter> parameters() {
    return arrays.entrySet().stream()
        .map(e -> TrainableParameter.of(e.getKey(), e.getValue()))
        .toList();
  }

  /** The decoder's arrays (IST keeps them frozen). */
  public List<TrainableParameter> decoderParameters() {
    return parameters().stream().filter(p -> DECODER.contains(p.name())).toList();
  }

  /** Every array's values, copied out. */
  public Map<String, float[]> values() {
    Map<String, float[]> out = new LinkedHashMap<>();
    arrays.forEach((k, v) -> out.put(k, v.toFloatArray()));
    return out;
  }

  /** Writes every array to one safetensors file ([in, out] weights), atomically. */
  public void save(Path file) {
    Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
    arrays.forEach(
        (k, v) ->
            tensors.put(
                k, new SafetensorsWriter.Tensor(v.getShape().getShape(), v.toFloatArray())));
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", "iclab-ipt-autoencoder");
    meta.put("prompt_length", Integer.toString(shape.promptLength()));
    meta.put("token_dim", Integer.toString(shape.tokenDim()));
    meta.put("intrinsic_dim", Integer.toString(shape.intrinsicDim()));
    meta.put("hidden", Integer.toString(shape.hidden()));
    SafetensorsWriter.write(file, tensors, DType.F32, meta);
  }

  /**
   * Reads what {@link #save} wrote.
   *
   * @throws AdapterFormatException when an array is missing or shaped otherwise than {@code shape}
   */
  public static PromptAutoEncoder load(NDManager parent, SubspaceShape shape, Path file) {
    Map<String, SafetensorsWriter.Tensor> tensors = PeftFormat.readFile(file);
    Map<String, float[]> values = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : shapes(shape).entrySet()) {
      SafetensorsWriter.Tensor t = tensors.get(e.getKey());
      if (t == null || !Arrays.equals(t.shape(), e.getValue())) {
        throw new AdapterFormatException(
            "%s: %s should be %s for %s, found %s; it was written for other settings"
                .formatted(
                    file,
                    e.getKey(),
                    Arrays.toString(e.getValue()),
                    shape,
                    t == null ? "nothing" : Arrays.toString(t.shape())));
      }
      values.put(e.getKey(), t.values());
    }
    return new PromptAutoEncoder(parent, shape, values);
  }

  @Override
  public void close() {
    manager.close();
  }
}
