package dev.iclab.tune;

import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ProjectionListener;
import dev.iclab.tune.adapter.AdapterConfig;
import dev.iclab.tune.adapter.AdapterTuner;
import dev.iclab.tune.full.FullConfig;
import dev.iclab.tune.full.FullTuner;
import dev.iclab.tune.kv.KvConfig;
import dev.iclab.tune.kv.KvTuner;
import dev.iclab.tune.lora.LoraTuner;
import dev.iclab.tune.peft.AdapterFormatException;
import dev.iclab.tune.peft.PeftFormat;
import dev.iclab.tune.prefix.PrefixConfig;
import dev.iclab.tune.prefix.PrefixTuner;
import dev.iclab.tune.prompt.PromptTuner;
import dev.iclab.tune.qlora.QloraConfig;
import dev.iclab.tune.qlora.QloraTuner;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tuning methods, keyed by PEFT's {@code peft_type} (iclab's own names where PEFT has no such
 * method: FULL, KV, QLORA, BOTTLENECK_ADAPTER). Built in one place from explicit entries.
 */
public final class TunerRegistry {
  /** Reads a saved adapter of one type and attaches it to a model. */
  @FunctionalInterface
  public interface AdapterLoader {
    Tuner load(CausalLM model, Path directory);
  }

  /** Builds a new tuner of one method on a model, from the options it uses. */
  @FunctionalInterface
  public interface Factory {
    Tuner create(CausalLM model, MethodOptions options);
  }

  /**
   * @param method the {@code --method} name
   * @param peftType the registry key
   * @param savesAdapter whether {@link Tuner#save} writes an adapter directory (else a full
   *     checkpoint)
   * @param loader reads a saved adapter, or null for methods that save full checkpoints
   * @param factory builds a new tuner (its config record from {@link MethodOptions}; LoRA's default
   *     targets per architecture are {@link MethodOptions#defaultTargets})
   */
  public record Entry(
      String method,
      String peftType,
      boolean savesAdapter,
      AdapterLoader loader,
      Factory factory) {}

  /** QLoRA's quantisation block, as bitsandbytes' NF4. */
  private static final int NF4_BLOCK = 64;

  private static final TunerRegistry STANDARD =
      new TunerRegistry(
          List.of(
              new Entry(
                  "full",
                  FullTuner.PEFT_TYPE,
                  false,
                  null,
                  (m, o) -> new FullTuner(m, new FullConfig())),
              new Entry(
                  "lora",
                  LoraTuner.PEFT_TYPE,
                  true,
                  LoraTuner::load,
                  (m, o) -> new LoraTuner(m, o.loraConfig(m), o.seed())),
              new Entry(
                  "qlora",
                  QloraTuner.PEFT_TYPE,
                  true,
                  QloraTuner::load,
                  (m, o) ->
                      new QloraTuner(
                          m,
                          new QloraConfig(o.loraConfig(m), NF4_BLOCK, o.lora().doubleQuant()),
                          o.seed())),
              new Entry(
                  "prefix",
                  PrefixTuner.PEFT_TYPE,
                  true,
                  PrefixTuner::load,
                  (m, o) ->
                      new PrefixTuner(
                          m,
                          new PrefixConfig(o.prefix().length(), o.prefix().reparamHidden()),
                          o.seed())),
              new Entry(
                  "prompt",
                  PromptTuner.PEFT_TYPE,
                  true,
                  PromptTuner::load,
                  (m, o) -> new PromptTuner(m, o.prompt(), o.seed())),
              new Entry(
                  "adapter",
                  AdapterTuner.PEFT_TYPE,
                  true,
                  AdapterTuner::load,
                  (m, o) -> new AdapterTuner(m, new AdapterConfig(o.adapterSize()), o.seed())),
              new Entry(
                  "kv", KvTuner.PEFT_TYPE, false, null, (m, o) -> new KvTuner(m, new KvConfig()))));

  private final Map<String, Entry> byType = new LinkedHashMap<>();
  private final Map<String, Entry> byMethod = new LinkedHashMap<>();

  public TunerRegistry(List<Entry> entries) {
    for (Entry e : entries) {
      if (!e.peftType().matches("[A-Z][A-Z0-9_]*")) {
        throw new IllegalArgumentException(
            "peft_type must be upper-case like LORA, got " + e.peftType());
      }
      if (byType.putIfAbsent(e.peftType(), e) != null
          || byMethod.putIfAbsent(e.method(), e) != null) {
        throw new IllegalArgumentException(
            "tuner %s / %s registered twice; pick another name"
                .formatted(e.method(), e.peftType()));
      }
    }
  }

  public static TunerRegistry standard() {
    return STANDARD;
  }

  public Map<String, Entry> entries() {
    return Collections.unmodifiableMap(byType);
  }

  public List<String> methods() {
    return List.copyOf(byMethod.keySet());
  }

  public Entry method(String method) {
    Entry e = byMethod.get(method);
    if (e == null) {
      throw new IllegalArgumentException(
          "unknown method '%s'; known: %s".formatted(method, byMethod.keySet()));
    }
    return e;
  }

  /**
   * What to give {@link dev.iclab.lm.ModelLoader} when loading a model for {@code method}: QLoRA
   * quantises each projection as it is loaded ({@link QloraTuner#quantizeWhileLoading}), so the
   * FP32 projections never coexist; every other method keeps the weights as loaded.
   */
  public static ProjectionListener whileLoading(String method, MethodOptions options) {
    return method.equals("qlora")
        ? QloraTuner.quantizeWhileLoading(NF4_BLOCK, options.lora().doubleQuant())
        : ProjectionListener.NONE;
  }

  /**
   * A new tuner of {@code method} attached to {@code model}.
   *
   * @throws IllegalArgumentException for an unknown method
   */
  public Tuner create(String method, CausalLM model, MethodOptions options) {
    return method(method).factory().create(model, options);
  }

  /**
   * Reads the adapter in {@code directory} (dispatching on its peft_type) and attaches it.
   *
   * @throws AdapterFormatException when the type is unknown or the adapter does not fit the model
   */
  public Tuner loadAdapter(CausalLM model, Path directory) {
    String type = PeftFormat.readConfig(directory).get("peft_type").asText();
    // QLoRA adapters are LoRA adapters (PEFT loads them as such); iclab marks them in a side file
    if (type.equals(LoraTuner.PEFT_TYPE) && QloraTuner.isQlora(directory)) {
      type = QloraTuner.PEFT_TYPE;
    }
    Entry e = byType.get(type);
    if (e == null || e.loader() == null) {
      throw new AdapterFormatException(
          "%s has peft_type %s; iclab reads %s"
              .formatted(
                  directory,
                  type,
                  byType.values().stream()
                      .filter(x -> x.loader() != null)
                      .map(Entry::peftType)
                      .toList()));
    }
    return e.loader().load(model, directory);
  }
}
