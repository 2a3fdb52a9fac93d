package dev.iclab.tune.ipt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.tensor.Ops;
import dev.iclab.tune.BatchLoss;
import dev.iclab.tune.TrainingExample;
import java.util.List;

/**
 * Multi-task subspace finding's objective for one task (Qin et al. 2021, SCIENCE.md §5): with P the
 * task's prompt and P' = decoder(encoder(P)) its reconstruction,
 *
 * <pre>
 * loss = LM(P'; batch, label smoothing) + alpha * MSE(P, P')
 * </pre>
 *
 * where LM is the frozen model's mean answer-token loss ({@link BatchLoss#batchLoss}) with P' as
 * its soft prompt and MSE the mean over all P*d numbers of the squared difference.
 *
 * @param total the loss, a scalar owned by the scope it was computed in
 * @param lm the task term
 * @param mse the reconstruction term (before alpha)
 */
public record MsfLoss(NDArray total, NDArray lm, NDArray mse) {
  /**
   * @param prompt the task's prompt, flattened [1, P*d], owned by {@code scope}
   */
  public static MsfLoss of(
      NDManager scope,
      CausalLM model,
      PromptAutoEncoder autoEncoder,
      NDArray prompt,
      List<TrainingExample> batch,
      double alpha,
      double labelSmoothing) {
    SubspaceShape s = autoEncoder.shape();
    NDArray reconstructed =
        autoEncoder.decode(scope, autoEncoder.encode(scope, prompt)); // [1, P*d]
    NDArray asPrompt = reconstructed.reshape(1, s.promptLength(), s.tokenDim()); // [1, P, d]
    NDArray lm =
        BatchLoss.batchLoss(scope, new DecodedPrompt(model, asPrompt), batch, labelSmoothing);
    NDArray mse = reconstructed.sub(prompt).square().mean(); // []
    return new MsfLoss(lm.add(Ops.scale(mse, (float) alpha)), lm, mse);
  }
}
