package dev.iclab.experiments.dai;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.IclabException;
import dev.iclab.analysis.AnswerScore;
import dev.iclab.analysis.CachedPrefix;
import dev.iclab.analysis.DaiConfig;
import dev.iclab.analysis.DaiVariants;
import dev.iclab.analysis.LrTrial;
import dev.iclab.analysis.MismatchedPartner;
import dev.iclab.analysis.Probe;
import dev.iclab.analysis.RecordedPosition;
import dev.iclab.analysis.SampleLine;
import dev.iclab.analysis.SettingRecord;
import dev.iclab.analysis.UntrainedModel;
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
import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.NonFiniteException;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.tokenizer.Tokenizer;
import dev.iclab.tune.Trainer;
import dev.iclab.tune.TrainingConfig;
import dev.iclab.tune.TrainingExample;
import dev.iclab.tune.TuneException;
import dev.iclab.tune.kv.KvConfig;
import dev.iclab.tune.kv.KvTuner;
import java.io.IOException;
import java.nio.file.Files;
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
    this.fitting = fittingQueries();
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

  /**
   * Leaves out the queries whose ICL prompt would not fit the context window (counted in {@link
   * #leftOut()}); refuses the run when that is more than half of them, saying how many shots would
   * fit every query.
   */
  private List<Integer> fittingQueries() {
    int context = lm.model().config().contextLength();
    int longestLabel = labelTokens.stream().mapToInt(t -> t.length).max().orElse(1);
    int appended = config.position().appended(labelTokens, 0).length;
    int extra = Math.max(longestLabel - 1, appended);
    List<Integer> fitting = new ArrayList<>();
    int longest = 0;
    for (int i = 0; i < queryIds.size(); i++) {
      int needed = queryIds.get(i).length + extra;
      longest = Math.max(longest, needed);
      if (iclPrefixIds.length + needed <= context) {
        fitting.add(i);
      }
    }
    if (fitting.size() * 2 >= queryIds.size()) {
      if (fitting.size() < queryIds.size()) {
        notes.add(
            "%d of %d queries left out: with %d demonstrations (%d tokens) their ICL prompt exceeds the context window of %d"
                .formatted(
                    queryIds.size() - fitting.size(),
                    queryIds.size(),
                    demos.size(),
                    iclPrefixIds.length,
                    context));
      }
      return fitting;
    }
    int fits = 0;
    for (int k = demos.size() - 1; k >= 1; k--) {
      if (tokenizer.encode(iclPrompt(demos.subList(0, k)).prefixText()).length + longest
          <= context) {
        fits = k;
        break;
      }
    }
    throw new IclabException(
        "--shots %d does not fit: the demonstrations take %d tokens and %d of %d queries (with their answers) no longer fit the model's context window of %d; %s"
            .formatted(
                config.shots(),
                iclPrefixIds.length,
                queryIds.size() - fitting.size(),
                queryIds.size(),
                context,
                fits > 0
                    ? "use --shots %d or fewer (fits every query)".formatted(fits)
                    : "use fewer --shots, or a model with a longer context"));
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
            SettingRecord r = afterFineTuning(lr, () -> probe.predict(prefix, ids));
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

  /**
   * The learning rate with the best dev accuracy; ties go to the lower dev loss of the gold answer
   * (with few demonstrations every rate often gives the same accuracy, and taking the first listed,
   * the smallest, would make FT equal ZSL by construction), then to the first listed.
   */
  public static double best(List<LrTrial> trials) {
    LrTrial best = null;
    for (LrTrial t : trials) {
      if (t.failure() == null
          && (best == null
              || t.devAccuracy() > best.devAccuracy()
              || (t.devAccuracy() == best.devAccuracy() && t.devLoss() < best.devLoss()))) {
        best = t;
      }
    }
    if (best == null) {
      throw new IclabException(
          "every --lr-search rate failed (%s); try smaller rates"
              .formatted(trials.stream().map(t -> t.lr() + ": " + t.failure()).toList()));
    }
    return best.lr();
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
    CausalLM model = untrained ? ftCopy(true) : lm.model();
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
                    () -> afterFineTuning(lr, () -> ftProbe.run(ftPrefix, ids, q.label())));
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
                              afterFineTuning(
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

  /** A trainable copy of the model (randomly re-initialised with the run's seed if asked). */
  private CausalLM ftCopy(boolean untrained) {
    Device device = lm.model().device();
    CausalLM copy = ModelLoader.standard().load(lm.directory(), device, true);
    if (untrained) {
      try {
        UntrainedModel.reinitialize(copy, initializerRange(lm.directory()), config.seed());
      } catch (RuntimeException e) {
        copy.close();
        throw e;
      }
    }
    return copy;
  }

  private static double initializerRange(Path modelDir) {
    try {
      JsonNode node =
          new ObjectMapper().readTree(Files.readString(modelDir.resolve("config.json")));
      return node.path("initializer_range").asDouble(0.02);
    } catch (IOException e) {
      throw new IclabException("cannot read %s/config.json: %s".formatted(modelDir, e), e);
    }
  }

  /**
   * A fresh trainable copy of the model (re-initialised like the control when {@code untrained})
   * after restricted fine-tuning on the demonstrations; the losses are added to {@code losses}.
   */
  CausalLM fineTuned(boolean untrained, double lr, List<Double> losses, Listener listener) {
    CausalLM ft = ftCopy(untrained);
    try {
      losses.addAll(fineTune(ft, lr, listener));
      return ft;
    } catch (RuntimeException e) {
      ft.close();
      throw e;
    }
  }

  /** Dai et al.'s restricted fine-tuning: k/v projections, SGD, batch 1, one epoch, in order. */
  private List<Double> fineTune(CausalLM ft, double lr, Listener listener) {
    try (KvTuner tuner = new KvTuner(ft, new KvConfig());
        Trainer trainer = new Trainer(tuner, TrainingConfig.daiKv(lr), demoTraining.size())) {
      return trainer.train(demoTraining, p -> listener.step()).losses();
    } catch (TuneException e) {
      throw new IclabException(
          "restricted fine-tuning with --ft-lr %s failed: %s; a smaller --ft-lr (e.g. %s) usually helps"
              .formatted(lr, e.getMessage(), lr / 10));
    }
  }

  /**
   * Runs a probe of the fine-tuned model. The pretrained model was scored finite before (zero-shot
   * first, or the first training step's loss), so a non-finite value here comes from the update:
   * the message names the learning rate.
   */
  private static SettingRecord afterFineTuning(double lr, Supplier<SettingRecord> probe) {
    SettingRecord record;
    try {
      record = probe.get();
    } catch (NonFiniteException e) {
      throw learningRateTooLarge(lr, "NaN");
    }
    for (double v : record.labelLogProbs()) {
      if (!Double.isFinite(v)) {
        throw learningRateTooLarge(lr, v);
      }
    }
    return record;
  }

  private static IclabException learningRateTooLarge(double lr, Object value) {
    return new IclabException(
        "the model fine-tuned with --ft-lr %s predicts %s; the learning rate is too large, try --ft-lr %s"
            .formatted(lr, value, lr / 10));
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
