package dev.iclab.tune.pretrain;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.lm.config.AttentionVariant;
import dev.iclab.lm.config.ConfigException;
import java.nio.file.Path;

/**
 * Everything that shapes a pre-training run's result (what {@code iclab pretrain}'s flags resolve
 * to). The model's shape is checked against the tokenizer when the run starts ({@link ModelShape}).
 *
 * @param context the context window and training sequence length
 * @param tokenizer a directory with tokenizer.json (its vocabulary sizes the model)
 * @param data training text, one document per line
 * @param valid validation text, or null for none
 * @param steps optimizer steps; the data repeat when they need more windows than there are
 * @param batchSize windows per step
 * @param lr peak learning rate of AdamW, reached after {@code warmupSteps} of linear warm-up and
 *     then decayed to 0 along a cosine
 * @param clipNorm global gradient-norm clipping; 0 for none
 * @param evalEvery validation perplexity every N steps (and before the first and after the last); 0
 *     for only before and after
 * @param evalWindows windows of the validation text scored, spread over it; 0 for all
 * @param saveEvery checkpoint every N steps (resumable); 0 for none
 * @param seed seeds the initial weights and the data order (not the attention: standard and
 *     momentum runs with one seed see the same batches)
 */
public record PretrainConfig(
    String arch,
    int layers,
    int hidden,
    int heads,
    int context,
    AttentionVariant attention,
    Path tokenizer,
    Path data,
    Path valid,
    int steps,
    int batchSize,
    double lr,
    int warmupSteps,
    double weightDecay,
    double clipNorm,
    int evalEvery,
    int evalWindows,
    int saveEvery,
    long seed) {
  public PretrainConfig {
    if (steps < 1 || batchSize < 1) {
      throw new ConfigException(
          "--steps and --batch-size must be >= 1; got %d, %d".formatted(steps, batchSize));
    }
    if (!(lr > 0) || Double.isInfinite(lr)) {
      throw new ConfigException("--lr must be > 0, got " + lr);
    }
    // Written so that NaN fails too: it is checked here, before the run folder is made.
    if (warmupSteps < 0
        || !(weightDecay >= 0 && clipNorm >= 0)
        || Double.isInfinite(weightDecay + clipNorm)) {
      throw new ConfigException(
          "--warmup-steps, --weight-decay and --clip-norm must be finite and >= 0; got %d, %s, %s"
              .formatted(warmupSteps, weightDecay, clipNorm));
    }
    if (evalEvery < 0 || evalWindows < 0 || saveEvery < 0) {
      throw new ConfigException(
          "--eval-every, --eval-windows and --save-every must be >= 0; got %d, %d, %d"
              .formatted(evalEvery, evalWindows, saveEvery));
    }
    if (evalEvery > 0 && valid == null) {
      throw new ConfigException("--eval-every scores --valid; give a --valid FILE");
    }
  }

  /** As recorded in run.json's "config" (paths as given); a resumed run must match it. */
  public ObjectNode toJson() {
    ObjectNode c = JsonNodeFactory.instance.objectNode();
    c.put("arch", arch);
    c.put("layers", layers);
    c.put("hidden", hidden);
    c.put("heads", heads);
    c.put("context", context);
    c.put("attention", attention.type().name().toLowerCase(java.util.Locale.ROOT));
    c.put("momentum_eta", attention.eta());
    c.put("tokenizer", tokenizer.toString());
    c.put("data", data.toString());
    c.put("valid", valid == null ? null : valid.toString());
    c.put("steps", steps);
    c.put("batch_size", batchSize);
    c.put("lr", lr);
    c.put("warmup_steps", warmupSteps);
    c.put("schedule", "cosine");
    c.put("optimizer", "adamw");
    c.put("weight_decay", weightDecay);
    c.put("clip_norm", clipNorm);
    c.put("eval_every", evalEvery);
    c.put("eval_windows", evalWindows);
    c.put("save_every", saveEvery);
    c.put("seed", seed);
    return c;
  }
}
