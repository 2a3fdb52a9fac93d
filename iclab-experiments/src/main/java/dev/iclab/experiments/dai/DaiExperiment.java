package dev.iclab.experiments.dai;

import dev.iclab.IclabException;
import dev.iclab.analysis.AnswerScore;
import dev.iclab.analysis.DaiConfig;
import dev.iclab.analysis.DaiVariants;
import dev.iclab.analysis.LrTrial;
import dev.iclab.analysis.MismatchedPartner;
import dev.iclab.analysis.Probe;
import dev.iclab.analysis.RecordedPosition;
import dev.iclab.analysis.SampleLine;
import dev.iclab.analysis.SettingRecord;
import dev.iclab.data.Dataset;
import dev.iclab.data.EvaluationSet;
import dev.iclab.data.Example;
import dev.iclab.data.Task;
import dev.iclab.data.TaskRegistry;
import dev.iclab.data.Verbalizer;
import dev.iclab.data.io.DatasetLoader;
import dev.iclab.data.io.TaskFiles;
import dev.iclab.icl.Demo;
import dev.iclab.icl.DemoSelector;
import dev.iclab.icl.Prompt;
import dev.iclab.lm.LanguageModel;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.cache.CachedPrefix;
import dev.iclab.lm.tokenizer.Tokenizer;
import dev.iclab.tune.TrainingExample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Dai et al.'s experiment on one model and task: ZSL (the query alone), ICL (the demonstrations,
 * then the query) and FT (the key/value projections of every layer fine-tuned with SGD, batch 1,
 * one epoch over the same demonstrations in the same order, then the query alone), on the same
 * evaluation set, recorded by the runtime's attention hooks.
 *
 * <p>Token ids: a setting's prompt is its prefix encoded with special tokens (BOS where the model
 * has one; ZSL and FT: the instruction, if any; ICL: instruction and demonstrations, each followed
 * by the template's separator) followed by the query's rendering encoded alone. So the query's
 * tokens are the same in all three settings, which SimAM compares, and each prefix's KV cache is
 * computed once and shared by every query. Answers are scored by the mean (or sum, {@link
 * AnswerScore}) of each label word's token log-probabilities; multi-token words are reported.
 * Attention is recorded at the {@link RecordedPosition} (by default Dai et al.'s: the first
 * option's label word appended, its last token).
 *
 * <p>Specificity control: each example's ICL update is also compared with the FT update of another
 * example ({@link MismatchedPartner}); SimAOU minus that mismatched baseline is the part of the
 * agreement that is specific to the example.
 *
 * <p>Work done once per run: the demonstrations' fine-tuning, and the three prefixes' caches; per
 * query, three short forward passes with hooks.
 */
public final class DaiExperiment {
  /** What a progress display hears. */
  public interface Listener {
    default void phase(String name, long steps) {}

    default void step() {}
  }

  public static final String PRETRAINED = DaiVariants.PRETRAINED;
  public static final String UNTRAINED = DaiVariants.UNTRAINED;

  private final DaiConfig config;
  private final LanguageModel lm;
  private final Task task;
  private final Dataset train;
  private final Dataset eval;
  private final List<Example> queries;
  private final List<Example> demos;
  private final Tokenizer tokenizer;
  private final List<int[]> labelTokens;
  private final List<String> notes = new ArrayList<>();
  private final int[] zslPrefixIds;
  private final int[] iclPrefixIds;
  private final List<int[]> queryIds = new ArrayList<>();
  private final List<Integer> fitting;
  private final List<TrainingExample> demoTraining = new ArrayList<>();
  private final Map<String, Double> seconds = new LinkedHashMap<>();
  private final DaiFineTuning fineTuning;

  public DaiExperiment(DaiConfig config, LanguageModel lm) {
    this.config = config;
    this.lm = lm;
    this.task =
        config.taskFile() != null
            ? TaskFiles.read(Path.of(config.taskFile()))
            : TaskRegistry.builtIn().get(config.task());
    DatasetLoader.Splits splits =
        new DatasetLoader(Path.of(config.dataDir()), config.skipBadRows()).load(task);
    this.train = splits.train();
    this.eval = splits.eval();
    this.queries = EvaluationSet.of(task, eval, config.evalCap(), config.limit(), 1);
    this.tokenizer = lm.requireTokenizer();
    this.labelTokens = labelTokens();
    this.demos =
        DemoSelector.parse(config.select(), train).select(null, config.shots(), config.seed());

    String instruction = task.instruction().isEmpty() ? "" : task.instruction() + separator();
    this.zslPrefixIds = tokenizer.encode(instruction);
    this.iclPrefixIds = tokenizer.encode(iclPrompt(demos).prefixText());
    for (Example q : queries) {
      queryIds.add(tokenizer.encode(task.template().render(q), false));
    }
    for (Example d : demos) {
      String text =
          instruction
              + task.template().renderDemo(d, task.labelWords().get(d.label()))
              + separator();
      demoTraining.add(TrainingExample.of(tokenizer.encode(text.stripTrailing())));
    }
    this.fitting =
        ContextFit.fitting(
            lm.model().config().contextLength(),
            labelTokens,
            config.position(),
            queryIds,
            iclPrefixIds,
            demos.size(),
            k -> tokenizer.encode(iclPrompt(demos.subList(0, k)).prefixText()),
            notes);
    this.fineTuning = new DaiFineTuning(lm, demoTraining, config.seed());
  }

  private String separator() {
    return task.template().separator();
  }

  private Prompt iclPrompt(List<Example> shown) {
    return new Prompt(
        task.instruction(),
        shown.stream().map(Demo::gold).toList(),
        queries.get(0),
        task.template(),
        task.labelWords());
  }

  private List<int[]> labelTokens() {
    Verbalizer verbalizer =
        Verbalizer.of(task.name(), task.labelWords(), task.template().answerPrefix(), tokenizer);
    if (!verbalizer.multiToken().isEmpty()) {
      notes.add(
          "label words %s have several tokens; each word is scored by the %s, and the recorded position is %s"
              .formatted(
                  verbalizer.multiToken(),
                  config.answerScore().describe(),
                  switch (config.position()) {
                    case OPTION0 -> "the last token of the first option's label word";
                    case LAST -> "the last prompt token";
                    case LABEL -> "the first token of the gold label word";
                  }));
    }
    List<int[]> tokens = new ArrayList<>();
    for (int i = 0; i < task.numLabels(); i++) {
      tokens.add(verbalizer.tokens(i));
    }
    return tokens;
  }

  /** How many queries were left out because their ICL prompt does not fit. */
  public int leftOut() {
    return queries.size() - fitting.size();
  }

  public Task task() {
    return task;
  }

  public List<Example> queries() {
    return queries;
  }

  public List<Example> demos() {
    return demos;
  }

  public Dataset train() {
    return train;
  }

  public Dataset eval() {
    return eval;
  }

  /** Caveats the report should show (e.g. multi-token label words). */
  public List<String> notes() {
    return List.copyOf(notes);
  }

  /** Seconds spent per phase so far (prefixes, ft-train, zsl, icl, ft-eval, lr-search...). */
  public Map<String, Double> seconds() {
    return Collections.unmodifiableMap(seconds);
  }

  public int layers() {
    return lm.model().config().numLayers();
  }

  /**
   * Fine-tunes with each learning rate and measures FT accuracy and the mean loss of the gold
   * answer on a dev split drawn from the training pool (without the demonstrations), shuffled with
   * the run's seed.
   */
  public List<LrTrial> searchLearningRate(List<Double> rates, Listener listener) {
    Set<String> shown = new HashSet<>();
    demos.forEach(d -> shown.add(d.id()));
    List<Example> pool = new ArrayList<>();
    for (Example e : train.examples()) {
      if (!shown.contains(e.id())) {
        pool.add(e);
      }
    }
    Collections.shuffle(pool, new Random(config.seed()));
    List<Example> dev = pool.subList(0, Math.min(pool.size(), config.lrSearchDev()));
    if (dev.isEmpty()) {
      throw new IclabException(
          "--lr-search needs a dev split, but the training pool has no example besides the demonstrations");
    }
    List<LrTrial> trials = new ArrayList<>();
    listener.phase("lr search", (long) rates.size() * dev.size());
    long start = System.nanoTime();
    for (double lr : rates) {
      try (CausalLM ft = fineTuned(false, lr, new ArrayList<>(), new Listener() {})) {
        Probe probe = new Probe(ft, labelTokens, RecordedPosition.LAST, config.answerScore());
        int right = 0;
        double loss = 0;
        try (CachedPrefix prefix = CachedPrefix.of(ft, zslPrefixIds)) {
          for (Example e : dev) {
            int[] ids = tokenizer.encode(task.template().render(e), false);
            SettingRecord r = DaiFineTuning.checked(lr, () -> probe.predict(prefix, ids));
            right += r.prediction() == e.label() ? 1 : 0;
            loss -= r.labelLogProbs()[e.label()];
            listener.step();
          }
        }
        trials.add(new LrTrial(lr, (double) right / dev.size(), loss / dev.size(), null));
      } catch (IclabException e) {
        trials.add(new LrTrial(lr, Double.NaN, Double.NaN, e.getMessage()));
      }
    }
    add("lr-search", start);
    return trials;
  }

  /** The learning rate with the best dev accuracy ({@link DaiFineTuning#best}). */
  public static double best(List<LrTrial> trials) {
    return DaiFineTuning.best(trials);
  }

  /**
   * Runs ZSL, ICL and FT for every query not yet done, on the pretrained model or ({@link
   * #UNTRAINED}) on a randomly initialised copy.
   *
   * @param done whether a (variant, example id) is already in the samples file
   * @param sink receives one line per query, in evaluation order
   * @return the fine-tuning losses, one per demonstration
   */
  public List<Double> run(
      String variant,
      double lr,
      java.util.function.BiPredicate<String, String> done,
      Consumer<SampleLine> sink,
      Listener listener) {
    boolean untrained = variant.equals(UNTRAINED);
    CausalLM model = untrained ? fineTuning.copy(true) : lm.model();
    List<Double> losses = new ArrayList<>();
    listener.phase(variant + ": fine-tune", demoTraining.size());
    try (CausalLM ft =
        timed(variant + "/ft-train", () -> fineTuned(untrained, lr, losses, listener))) {
      Probe zslProbe = new Probe(model, labelTokens, config.position(), config.answerScore());
      Probe ftProbe = new Probe(ft, labelTokens, config.position(), config.answerScore());
      try (CachedPrefix zslPrefix =
              timed(variant + "/prefixes", () -> CachedPrefix.of(model, zslPrefixIds));
          CachedPrefix iclPrefix =
              timed(variant + "/prefixes", () -> CachedPrefix.of(model, iclPrefixIds));
          CachedPrefix ftPrefix =
              timed(variant + "/prefixes", () -> CachedPrefix.of(ft, zslPrefixIds))) {
        listener.phase(variant + ": evaluate", fitting.size());
        // The last evaluated example's ZSL and FT records, reused as the next one's partner.
        int lastPosition = -1;
        SettingRecord[] lastRecords = null;
        for (int p = 0; p < fitting.size(); p++) {
          int i = fitting.get(p);
          Example q = queries.get(i);
          if (!done.test(variant, q.id())) {
            int[] ids = queryIds.get(i);
            SettingRecord zsl =
                timed(variant + "/zsl", () -> zslProbe.run(zslPrefix, ids, q.label()));
            SettingRecord icl =
                timed(variant + "/icl", () -> zslProbe.run(iclPrefix, ids, q.label()));
            SettingRecord tuned =
                timed(
                    variant + "/ft-eval",
                    () -> DaiFineTuning.checked(lr, () -> ftProbe.run(ftPrefix, ids, q.label())));
            SampleLine.Partner partner = null;
            if (fitting.size() >= 2) {
              int j = MismatchedPartner.of(p, fitting.size());
              SettingRecord[] records =
                  j == lastPosition
                      ? lastRecords
                      : timed(
                          variant + "/mismatched",
                          () -> {
                            Example other = queries.get(fitting.get(j));
                            int[] otherIds = queryIds.get(fitting.get(j));
                            return new SettingRecord[] {
                              zslProbe.run(zslPrefix, otherIds, other.label()),
                              DaiFineTuning.checked(
                                  lr, () -> ftProbe.run(ftPrefix, otherIds, other.label()))
                            };
                          });
              partner =
                  new SampleLine.Partner(queries.get(fitting.get(j)).id(), records[0], records[1]);
            }
            sink.accept(line(variant, i, q, zsl, icl, tuned, partner));
            lastPosition = p;
            lastRecords = new SettingRecord[] {zsl, tuned};
          }
          listener.step();
        }
      }
      return losses;
    } finally {
      if (untrained) {
        model.close();
      }
    }
  }

  private SampleLine line(
      String variant,
      int index,
      Example q,
      SettingRecord zsl,
      SettingRecord icl,
      SettingRecord ft,
      SampleLine.Partner partner) {
    return SampleLine.of(
        variant,
        index,
        q.id(),
        q.label(),
        zsl,
        icl,
        ft,
        partner,
        config.seed() * 1_000_003L + index);
  }

  /**
   * A fresh trainable copy of the model (re-initialised like the control when {@code untrained})
   * after restricted fine-tuning on the demonstrations; the losses are added to {@code losses}.
   */
  CausalLM fineTuned(boolean untrained, double lr, List<Double> losses, Listener listener) {
    return fineTuning.fineTuned(untrained, lr, losses, listener);
  }

  private <T> T timed(String phase, Supplier<T> work) {
    long start = System.nanoTime();
    try {
      return work.get();
    } finally {
      add(phase, start);
    }
  }

  private void add(String phase, long start) {
    seconds.merge(phase, (System.nanoTime() - start) / 1e9, Double::sum);
  }
}
