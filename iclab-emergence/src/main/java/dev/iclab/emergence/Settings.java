package dev.iclab.emergence;

import dev.iclab.IclabException;
import dev.iclab.emergence.data.DataDistribution;
import dev.iclab.emergence.data.TokenFormat;
import dev.iclab.emergence.model.Architecture;
import dev.iclab.emergence.train.LrSchedule;
import dev.iclab.emergence.train.TrainConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Run settings as flag name to value (without the leading dashes), so presets, command-line flags
 * and sweep axes all speak the same keys. {@link #toSpec} parses and validates them.
 */
public final class Settings {
  /** Every key a preset, a flag or {@code --sweep} may set. */
  public static final Set<String> KEYS =
      Set.of(
          "data",
          "format",
          "p-bursty",
          "classes",
          "holdout-classes",
          "zipf",
          "noise",
          "exemplars",
          "labels",
          "labels-per-class",
          "context-pairs",
          "item-dim",
          "omniglot-dir",
          "image-side",
          "augment",
          "arch",
          "layers",
          "heads",
          "width",
          "steps",
          "batch",
          "lr",
          "lr-schedule",
          "warmup",
          "clip",
          "eval-every",
          "checkpoint-every",
          "eval-size",
          "loss-all-labels",
          "keep-checkpoints",
          "attention",
          "momentum-eta",
          "seed");

  /**
   * The {@code labels} value that gives every class its own label(s), as Chan et al.; a number N
   * instead makes all classes share N labels.
   */
  public static final String PER_CLASS = "per-class";

  private final Map<String, String> values;

  private Settings(Map<String, String> values) {
    this.values = values;
  }

  /** The settings of a preset. */
  public static Settings of(Preset preset) {
    return new Settings(new LinkedHashMap<>(preset.defaults()));
  }

  /** A copy with one key changed. */
  public Settings with(String key, String value) {
    if (!KEYS.contains(key)) {
      throw new IclabException(
          "unknown setting '%s'; known: %s".formatted(key, new TreeSet<>(KEYS)));
    }
    Map<String, String> copy = new LinkedHashMap<>(values);
    copy.put(key, value.trim());
    return new Settings(copy);
  }

  public String get(String key) {
    return values.get(key);
  }

  public Map<String, String> asMap() {
    return Collections.unmodifiableMap(values);
  }

  /**
   * The runs of a sweep: the cartesian product of the axes ({@code key=v1,v2,...}), each named
   * after its axis values ({@code p-bursty=0.9,arch=lstm}); one run named {@code single} without
   * axes.
   */
  public static List<Map.Entry<String, Settings>> sweep(Settings base, List<String> axes) {
    List<Map.Entry<String, Settings>> runs = new ArrayList<>();
    runs.add(Map.entry("", base));
    for (String axis : axes) {
      int eq = axis.indexOf('=');
      if (eq <= 0 || eq == axis.length() - 1) {
        throw new IclabException(
            "--sweep '%s' must be key=v1,v2,...; e.g. --sweep p-bursty=0,0.5,0.9".formatted(axis));
      }
      String key = axis.substring(0, eq).trim();
      base.with(key, "0"); // validates the key
      List<Map.Entry<String, Settings>> next = new ArrayList<>();
      for (Map.Entry<String, Settings> run : runs) {
        for (String value : axis.substring(eq + 1).split(",")) {
          String name =
              (run.getKey().isEmpty() ? "" : run.getKey() + ",") + key + "=" + value.trim();
          next.add(Map.entry(name, run.getValue().with(key, value)));
        }
      }
      runs = next;
    }
    if (axes.isEmpty()) {
      return List.of(Map.entry("single", base));
    }
    return runs;
  }

  /**
   * Parses every value into a validated run spec whose sizes fit int-indexed arrays and the
   * machine's memory.
   */
  public RunSpec toSpec(String name) {
    RunSpec spec = parse(name);
    SizeBudget.check(spec);
    return spec;
  }

  private RunSpec parse(String name) {
    boolean ownLabels = require("labels").equalsIgnoreCase(PER_CLASS);
    int contextPairs = integer("context-pairs");
    double pBursty = number("p-bursty");
    int classes = integer("classes");
    int holdoutClasses = integer("holdout-classes");
    double zipf = number("zipf");
    double noise = number("noise");
    int exemplars = integer("exemplars");
    int sharedLabels = ownLabels ? 0 : labelCount();
    int labelsPerClass = integer("labels-per-class");
    DataDistribution data =
        new DataDistribution(
            contextPairs,
            pBursty,
            classes,
            holdoutClasses,
            zipf,
            noise,
            exemplars,
            ownLabels ? Math.multiplyExact(classes, labelsPerClass) : sharedLabels,
            labelsPerClass,
            ownLabels);
    TrainConfig train =
        new TrainConfig(
            integer("steps"),
            integer("batch"),
            number("lr"),
            integer("warmup"),
            LrSchedule.parse(require("lr-schedule")),
            number("clip"),
            integer("eval-every"),
            integer("checkpoint-every"),
            integer("eval-size"),
            bool("loss-all-labels"),
            bool("keep-checkpoints"));
    return new RunSpec(
        name,
        require("data").toLowerCase(Locale.ROOT),
        integer("item-dim"),
        require("omniglot-dir"),
        integer("image-side"),
        bool("augment"),
        format(require("format")),
        data,
        Architecture.parse(require("arch")),
        integer("layers"),
        integer("heads"),
        integer("width"),
        train,
        longValue("seed"),
        momentumEta());
  }

  /** Momentum attention's decay, or 0 for standard attention. */
  private double momentumEta() {
    String attention = require("attention").toLowerCase(Locale.ROOT);
    return switch (attention) {
      case "standard" -> 0;
      case "momentum" -> {
        double eta = number("momentum-eta");
        if (!(eta >= 0 && eta < 1)) {
          throw new IclabException(
              "--momentum-eta must be in [0, 1) (0 is standard attention), got %s; 0.9 is Dai et al.'s default"
                  .formatted(get("momentum-eta")));
        }
        yield eta;
      }
      default ->
          throw new IclabException(
              "--attention %s is not known; use standard or momentum (Dai et al.'s MoAttn)"
                  .formatted(attention));
    };
  }

  private String require(String key) {
    String v = values.get(key);
    if (v == null || v.isBlank()) {
      throw new IclabException("--%s has no value; give it on the command line".formatted(key));
    }
    return v;
  }

  private int labelCount() {
    try {
      return Integer.parseInt(require("labels").replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IclabException(
          "--labels must be %s (each class its own label) or a number N (N labels shared by all classes), got '%s'"
              .formatted(PER_CLASS, get("labels")),
          e);
    }
  }

  private int integer(String key) {
    String v = require(key).replace("_", "");
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IclabException("--%s must be an integer, got '%s'".formatted(key, v), e);
    }
  }

  private long longValue(String key) {
    try {
      return Long.parseLong(require(key));
    } catch (NumberFormatException e) {
      throw new IclabException("--%s must be an integer, got '%s'".formatted(key, get(key)), e);
    }
  }

  private double number(String key) {
    try {
      return Double.parseDouble(require(key));
    } catch (NumberFormatException e) {
      throw new IclabException("--%s must be a number, got '%s'".formatted(key, get(key)), e);
    }
  }

  private boolean bool(String key) {
    String v = require(key).toLowerCase(Locale.ROOT);
    if (!v.equals("true") && !v.equals("false")) {
      throw new IclabException("--%s must be true or false, got '%s'".formatted(key, v));
    }
    return Boolean.parseBoolean(v);
  }

  private static TokenFormat format(String v) {
    try {
      return TokenFormat.valueOf(v.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IclabException(
          "--format '%s' is unknown; use interleaved (the paper's) or paired".formatted(v), e);
    }
  }
}
