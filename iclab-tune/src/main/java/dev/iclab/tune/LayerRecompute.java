package dev.iclab.tune;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ForwardOptions;
import dev.iclab.lm.arch.LayeredPass;
import dev.iclab.tensor.Ops;
import dev.iclab.tensor.Tensors;
import java.util.List;
import java.util.function.DoubleConsumer;

/**
 * Forward and backward of one micro-batch that recomputes each decoder layer during the backward
 * pass (activation checkpointing per layer; {@link TrainingConfig.Recompute#LAYERS}).
 *
 * <p>Why: autograd keeps what each operation needs for its gradient until the backward pass. For
 * QLoRA that includes every projection's dequantised FP32 weight (the input gradient of {@code x
 * W^T} needs W), so a plain step holds the whole model in FP32 again at its peak. bitsandbytes
 * avoids it with a custom autograd function that dequantises again in backward; DJL cannot define
 * one. Recomputing a layer does the same for all of a layer's saved tensors at once: a pass that
 * records nothing keeps only each layer's input [batch, seq, hidden]; the backward pass then runs
 * one layer at a time again with recording, from the top down, and frees that layer's graph
 * (dequantised weights included) before the next. At most one layer's intermediates are alive.
 *
 * <p>Steps: (1) without recording, the layer inputs h_0..h_L; (2) recorded, the loss from h_L (a
 * leaf that requires gradients), backward: dL/dh_L, and the head's gradients; (3) for l = L-1..1,
 * recorded, layer l on a leaf copy of h_l, backward of sum(layer(h_l) * dL/dh_{l+1}), whose
 * gradient with respect to the layer's output is exactly dL/dh_{l+1}: it adds the layer's parameter
 * gradients and gives dL/dh_l; (4) layer 0 on embeddings computed again with recording, so that
 * trainable embeddings or a soft prompt get their gradients too. PyTorch adds the gradients of
 * successive backward passes, so the trainable parameters end with the same gradients as one
 * backward through the whole graph (equal up to float rounding of the summation order).
 *
 * <p>Dropout: both runs of a layer must draw the same mask, so the engine is re-seeded before each
 * run of layer l with a seed of the micro-batch and l. The masks therefore differ from those of a
 * step without recomputation (whose layers continue one random stream), not their distribution.
 */
final class LayerRecompute {
  private LayerRecompute() {}

  /**
   * Accumulates the gradients of {@code weight} times the batch's mean loss into the tuner's
   * parameters; returns the loss. No gradient collector may be open.
   *
   * @param seed seeds the dropout masks of this micro-batch (one engine seed per layer from it)
   * @param checkLoss sees the loss before any backward pass (the trainer stops on a non-finite one)
   */
  static double accumulate(
      NDManager scope,
      Tuner tuner,
      List<TrainingExample> batch,
      double labelSmoothing,
      double weight,
      long seed,
      DoubleConsumer checkLoss) {
    CausalLM model = tuner.model();
    ForwardOptions options = tuner.forwardOptions(scope, batch.size());
    if (options.onlySharedPrefix()) {
      throw new TuneException(
          "--recompute layers cannot train a soft prompt shared by the batch (prompt tuning's"
              + " prefilled prompt); use --recompute none");
    }
    BatchLoss.Tokens tokens = BatchLoss.Tokens.of(scope, batch);
    int layers = model.config().numLayers();
    NDArray[] inputs = new NDArray[layers + 1]; // [batch, seq, hidden] each, owned by scope
    LayeredPass pass;
    // (1) the layer inputs, recording nothing
    Tensors.RecordingSetting recording = Tensors.withoutRecording();
    try {
      pass = model.layered(scope, tokens.input(), options);
      inputs[0] = pass.embeddings();
      for (int l = 0; l < layers; l++) {
        try (NDManager local = scope.newSubManager()) {
          NDArray x = inputs[l].duplicate();
          x.attach(local);
          seed(seed, l);
          NDArray y = pass.layer(l, x);
          y.attach(scope); // the next layer's input; the layer's intermediates go with local
          inputs[l + 1] = y;
        }
      }
    } finally {
      recording.close();
    }
    // (2) the loss from the last hidden state, recorded
    double loss;
    NDArray grad; // dL/dh_{l+1}, owned by scope
    try (NDManager local = scope.newSubManager();
        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray top = leaf(local, inputs[layers]);
      NDArray value = tokens.loss(pass.logits(top), labelSmoothing);
      loss = value.getFloat();
      checkLoss.accept(loss);
      collector.backward(weight == 1 ? value : Ops.scale(value, (float) weight));
      grad = gradient(scope, local, top);
    }
    // (3) and (4) one layer at a time, from the top down
    for (int l = layers - 1; l >= 0; l--) {
      NDArray next = null;
      try (NDManager local = scope.newSubManager();
          GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray x;
        LayeredPass recorded = pass;
        if (l > 0) {
          x = leaf(local, inputs[l]);
        } else {
          recorded =
              model.layered(local, tokens.input(), tuner.forwardOptions(local, batch.size()));
          x = recorded.embeddings();
        }
        seed(seed, l);
        NDArray y = recorded.layer(l, x); // [batch, seq, hidden]
        collector.backward(y.mul(grad).sum());
        if (l > 0) {
          next = gradient(scope, local, x);
        }
      }
      grad.close();
      inputs[l + 1].close();
      grad = next;
    }
    return loss;
  }

  /** Seeds the engine for run of layer {@code layer} of a micro-batch (SplitMix64 of both). */
  static void seed(long seed, int layer) {
    Engine.getInstance().setRandomSeed(Trainer.stepSeed(seed, layer));
  }

  /** A copy of {@code hidden} in {@code local} that requires gradients (a leaf of the graph). */
  private static NDArray leaf(NDManager local, NDArray hidden) {
    NDArray x = hidden.duplicate();
    x.attach(local);
    x.setRequiresGradient(true);
    return x;
  }

  /** The gradient of a leaf, copied into {@code scope} (DJL's handle is attached to local). */
  private static NDArray gradient(NDManager scope, NDManager local, NDArray leaf) {
    NDArray raw = Scoped.in(local, leaf.getGradient());
    NDArray copy = raw.duplicate();
    copy.attach(scope);
    return copy;
  }
}
