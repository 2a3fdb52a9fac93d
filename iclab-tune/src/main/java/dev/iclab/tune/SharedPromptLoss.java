package dev.iclab.tune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ForwardOptions;
import dev.iclab.lm.cache.KvCache;
import dev.iclab.tensor.Ops;
import java.util.List;

/**
 * {@link BatchLoss#batchLoss} for a batch behind one shared soft prompt (prompt tuning, IPT),
 * without running the prompt once per row: the prompt is {@link CausalLM#prefill prefilled} into a
 * cache once, the rows' tokens follow it as the chains of one {@link ForwardOptions#tree token
 * tree}, and the vocabulary projection runs only where an answer token is predicted. The same loss
 * as the right-padded batch within float rounding (each token sees the prompt and its own row, at
 * the same positions), with the prompt's share of the work divided by the batch size; gradients
 * reach the prompt through the cached keys and values.
 */
final class SharedPromptLoss {
  private SharedPromptLoss() {}

  /**
   * @param prompt [1, P, hidden]
   * @return the mean loss over the chosen tokens, a scalar owned by {@code scope}
   */
  static NDArray of(
      NDManager scope,
      CausalLM model,
      NDArray prompt,
      List<TrainingExample> batch,
      double labelSmoothing) {
    int tokens = batch.stream().mapToInt(e -> e.ids().length).sum();
    int scored = 0;
    for (TrainingExample e : batch) {
      scored += e.ids().length - Math.max(1, e.lossFrom());
    }
    long[] ids = new long[tokens];
    int[] parents = new int[tokens];
    int[] rows = new int[scored];
    long[] targets = new long[scored];
    int at = 0;
    int row = 0;
    for (TrainingExample e : batch) {
      for (int t = 0; t < e.ids().length; t++, at++) {
        ids[at] = e.ids()[t];
        parents[at] = t == 0 ? -1 : at - 1;
        if (t >= Math.max(1, e.lossFrom())) {
          rows[row] = at - 1; // token t is predicted at the position before it
          targets[row++] = e.ids()[t];
        }
      }
    }
    KvCache cache = model.newCache(scope);
    model.prefill(scope, prompt, cache);
    NDArray logits =
        model.forward(
            scope,
            scope.create(ids, new Shape(1, tokens)),
            ForwardOptions.withCache(cache).tree(parents).outputRows(rows)); // [1, rows, V]
    NDArray logp = logits.reshape(scored, -1).logSoftmax(-1); // [rows, V]
    NDArray target = scope.create(targets, new Shape(scored, 1));
    NDArray tokenLoss = logp.gather(target, 1).squeeze(1).neg(); // [rows]
    if (labelSmoothing > 0) {
      NDArray uniform = logp.mean(new int[] {1}).neg(); // [rows]
      tokenLoss =
          Ops.scale(tokenLoss, (float) (1 - labelSmoothing))
              .add(Ops.scale(uniform, (float) labelSmoothing));
    }
    return tokenLoss.mean(); // []
  }
}
