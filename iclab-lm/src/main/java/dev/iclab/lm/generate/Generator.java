package dev.iclab.lm.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.iclab.lm.ContextOverflowException;
import dev.iclab.lm.NonFiniteException;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ForwardOptions;
import dev.iclab.lm.cache.KvCache;
import java.util.Arrays;
import java.util.function.Function;

/**
 * Autoregressive generation with a KV cache: the prompt is computed once, then one token a step.
 */
public final class Generator {
  private final CausalLM model;

  public Generator(CausalLM model) {
    this.model = model;
  }

  /** Why generation ended. */
  public enum StopReason {
    MAX_NEW_TOKENS,
    STOP_ID,
    STOP_STRING,
    CONTEXT_FULL
  }

  /**
   * @param generatedIds the new tokens (a stop id included, as HF does)
   */
  public record Result(int[] promptIds, int[] generatedIds, StopReason reason) {}

  /**
   * Generates from {@code promptIds}.
   *
   * @param decoder turns ids into text for stop strings; may be null when there are none
   * @throws ContextOverflowException if the prompt alone fills the context window
   * @throws IllegalArgumentException for an empty prompt
   */
  public Result generate(
      int[] promptIds, GenerationConfig config, Function<int[], String> decoder) {
    if (promptIds.length == 0) {
      throw new IllegalArgumentException("empty prompt");
    }
    int context = model.config().contextLength();
    if (promptIds.length >= context) {
      throw new ContextOverflowException(
          "the prompt has %d tokens but the model's context window is %d, leaving no room to generate; shorten the prompt"
              .formatted(promptIds.length, context));
    }
    if (!config.stopStrings().isEmpty() && decoder == null) {
      throw new IllegalArgumentException("stop strings need a decoder");
    }
    Sampler sampler = new Sampler(config);
    // Generation ends once the window is full (the last forward fills it and yields one more
    // token), so a huge --max-new-tokens never needs more room than this.
    int[] generated = new int[Math.min(config.maxNewTokens(), context - promptIds.length + 1)];
    int count = 0;
    StopReason reason = StopReason.MAX_NEW_TOKENS;
    try (NDManager session = model.manager().newSubManager();
        KvCache cache = model.newCache(session)) {
      int[] input = promptIds;
      ForwardOptions options = ForwardOptions.withCache(cache).lastOnly(true);
      while (count < config.maxNewTokens()) {
        if (cache.length() + input.length > context) {
          reason = StopReason.CONTEXT_FULL;
          break;
        }
        float[] logits;
        try (NDManager step = session.newSubManager()) {
          NDArray ids = step.create(input, new Shape(1, input.length));
          logits = model.forward(step, ids, options).toFloatArray(); // [vocab]
        }
        NonFiniteException.requireFinite(logits, "generation step " + (count + 1));
        int next = sampler.next(logits);
        generated[count++] = next;
        if (config.stopIds().contains(next)) {
          reason = StopReason.STOP_ID;
          break;
        }
        if (!config.stopStrings().isEmpty()) {
          String text = decoder.apply(Arrays.copyOf(generated, count));
          if (config.stopStrings().stream().anyMatch(text::contains)) {
            reason = StopReason.STOP_STRING;
            break;
          }
        }
        input = new int[] {next};
      }
    }
    return new Result(promptIds.clone(), Arrays.copyOf(generated, count), reason);
  }
}
