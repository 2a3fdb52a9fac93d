package dev.iclab.tune.ipt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ForwardOptions;
import dev.iclab.lm.weights.DType;
import dev.iclab.lm.weights.SafetensorsWriter;
import dev.iclab.tune.AbstractTuner;
import dev.iclab.tune.BaseModel;
import dev.iclab.tune.Scoped;
import dev.iclab.tune.TrainableParameter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Intrinsic subspace tuning (IST): the soft prompt is {@code decoder(z)} for one trainable vector z
 * of d_I numbers; the decoder and the model stay frozen (only z is among {@link #parameters()}, and
 * nothing else ever requires a gradient). Owns z; the auto-encoder stays the caller's.
 */
public final class IntrinsicTuner extends AbstractTuner {
  static final String TENSOR = "intrinsic_vector";

  private final PromptAutoEncoder autoEncoder;
  private final NDManager manager;
  private final NDArray z; // [1, d_I]

  /**
   * @param initial the starting vector, d_I values
   */
  public IntrinsicTuner(CausalLM model, PromptAutoEncoder autoEncoder, float[] initial) {
    super("ist", "IPT_INTRINSIC", model);
    SubspaceShape s = autoEncoder.shape();
    if (initial.length != s.intrinsicDim() || s.tokenDim() != model.config().hiddenSize()) {
      throw new IllegalArgumentException(
          "IST needs %d starting values and a model of hidden size %d; got %d and %d"
              .formatted(
                  s.intrinsicDim(), s.tokenDim(), initial.length, model.config().hiddenSize()));
    }
    this.autoEncoder = autoEncoder;
    this.manager = model.manager().newSubManager();
    this.z = manager.create(initial, new Shape(1, s.intrinsicDim()));
  }

  @Override
  public ForwardOptions forwardOptions(NDManager scope, int batch) {
    SubspaceShape s = autoEncoder.shape();
    NDArray flat = autoEncoder.decode(scope, Scoped.use(scope, z)); // [1, P*d]
    return ForwardOptions.NONE.prefix(flat.reshape(1, s.promptLength(), s.tokenDim()));
  }

  /** The current intrinsic vector. */
  public float[] vector() {
    return z.toFloatArray();
  }

  @Override
  public int virtualTokens() {
    return autoEncoder.shape().promptLength();
  }

  @Override
  public List<TrainableParameter> parameters() {
    return List.of(new TrainableParameter(TENSOR, z, null, false)); // no weight decay toward 0
  }

  /** Writes z to {@code directory}/intrinsic_vector.safetensors. */
  @Override
  public void save(Path directory, BaseModel base) {
    SafetensorsWriter.write(
        directory.resolve(TENSOR + ".safetensors"),
        Map.of(TENSOR, new SafetensorsWriter.Tensor(new long[] {z.size()}, vector())),
        DType.F32,
        Map.of("base_model_name_or_path", base.name()));
  }

  @Override
  public void close() {
    manager.close();
  }
}
