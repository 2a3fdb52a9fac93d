package dev.iclab.emergence;

import dev.iclab.Flags;
import dev.iclab.IclabException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Named starting points for a run; any flag overrides them.
 *
 * <ul>
 *   <li>{@code quick}: minutes on a 2-core CPU. Uses the PAIRED token format (item and label in one
 *       token), where one attention layer suffices for ICL, so it appears within a few hundred
 *       steps; the paper's interleaved format needs thousands of steps here. 1,600 classes as in
 *       the paper, so non-bursty training can memorise them (IWL) within the same steps.
 *   <li>{@code paper-cpu}: the paper's INTERLEAVED format with Gaussian items and a 2-layer
 *       transformer, trained on EVERY label position (the query's and each context label's). With
 *       the loss on the query alone the induction circuit forms only after a plateau of thousands
 *       of steps (no ICL by step 6,000 at p_bursty 0.9; the prototype saw it at steps
 *       3,000-3,500 with p_bursty 1.0); every repeated class in a bursty context is a further
 *       copy-from-context target, and ICL on holdout classes appears by step 500-750. 65,536
 *       classes, so bursty training cannot be solved from the weights; the sweeps of the four
 *       effects start from it (docs/results/emergence/README.md). Like {@code paper}, every class
 *       has its own label and the rate decays as 1/sqrt(step) after warm-up.
 *   <li>{@code paper}: Chan et al.'s small setting (12 layers, 8 heads, width 64, 1,600 classes
 *       with one label each, lr 3e-4 with 4,000 warm-up steps then 1/sqrt(step) decay, clip 0.25,
 *       batch 32, 500k steps); far too long for a CPU.
 * </ul>
 */
public enum Preset {
  QUICK("format=paired classes=1600 steps=500 eval-every=50 lr=3e-3 layers=2 batch=128"),
  PAPER_CPU(
      "format=interleaved classes=65536 labels=per-class steps=2000 eval-every=100 lr=3e-3"
          + " lr-schedule=rsqrt layers=2 batch=128 loss-all-labels=true"),
  PAPER(
      "format=interleaved classes=1600 labels=per-class steps=500000 eval-every=5000 lr=3e-4"
          + " lr-schedule=rsqrt layers=12 heads=8 batch=32 warmup=4000 clip=0.25");

  private final Map<String, String> overrides;

  /** {@code overrides}: the settings that differ from the defaults, as key=value words. */
  Preset(String overrides) {
    this.overrides = new LinkedHashMap<>();
    for (String setting : overrides.split(" ")) {
      int eq = setting.indexOf('=');
      this.overrides.put(setting.substring(0, eq), setting.substring(eq + 1));
    }
  }

  /** Parses quick, paper-cpu or paper. */
  public static Preset parse(String name) {
    return switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "quick" -> QUICK;
      case "paper-cpu" -> PAPER_CPU;
      case "paper" -> PAPER;
      default ->
          throw new IclabException(
              "unknown preset '%s'; use quick, paper-cpu or paper".formatted(name));
    };
  }

  public String flag() {
    return Flags.of(this);
  }

  /** $ICLAB_SHARED/data/omniglot, else ../shared/data/omniglot beside the working folder. */
  private static String defaultOmniglotDir() {
    String shared = System.getenv("ICLAB_SHARED");
    return (shared == null || shared.isBlank() ? "../shared" : shared) + "/data/omniglot";
  }

  /** All settings of this preset. */
  Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("data", "gaussian");
    d.put("item-dim", "63");
    d.put("omniglot-dir", defaultOmniglotDir());
    d.put("image-side", "15");
    d.put("augment", "true");
    d.put("context-pairs", "8");
    d.put("p-bursty", "0.9");
    d.put("holdout-classes", "100");
    d.put("zipf", "0");
    d.put("noise", "0.1");
    d.put("exemplars", "0");
    d.put("labels", "32"); // shared by all classes; the paper presets give each class its own
    d.put("labels-per-class", "1");
    d.put("arch", "transformer");
    d.put("heads", "4");
    d.put("width", "64");
    d.put("warmup", "100");
    d.put("lr-schedule", "constant");
    d.put("clip", "1.0");
    d.put("checkpoint-every", "1000");
    d.put("eval-size", "1024");
    d.put("loss-all-labels", "false");
    d.put("keep-checkpoints", "false");
    d.put("attention", "standard");
    d.put("momentum-eta", "0.9"); // Dai et al.'s; read only with attention=momentum
    d.put("seed", "1");
    d.putAll(overrides);
    return d;
  }
}
