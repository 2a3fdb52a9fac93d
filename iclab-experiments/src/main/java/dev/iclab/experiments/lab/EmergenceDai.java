package dev.iclab.experiments.lab;

import ai.djl.ndarray.NDManager;
import dev.iclab.IclabException;
import dev.iclab.analysis.LrTrial;
import dev.iclab.analysis.MismatchedPartner;
import dev.iclab.analysis.SampleLine;
import dev.iclab.analysis.SettingRecord;
import dev.iclab.analysis.lab.EmergenceDaiConfig;
import dev.iclab.emergence.RunSetup;
import dev.iclab.emergence.RunSpec;
import dev.iclab.emergence.model.Architecture;
import dev.iclab.emergence.model.SequenceModel;
import dev.iclab.emergence.train.KeptWeights;
import dev.iclab.experiments.dai.DaiExperiment;
import dev.iclab.tensor.Tensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * Dai et al.'s comparison on the kept checkpoints of an emergence run (a transformer: the
 * comparison is about attention). At each checkpoint, on the same holdout episodes (the first N of
 * the run's own ICL evaluation set):
 *
 * <ul>
 *   <li>ZSL: the query after a blank context (the lab's 0-shot format);
 *   <li>ICL: the episode's context, then the query;
 *   <li>FT: a copy whose attention K/V projections alone are trained with SGD, batch 1, one epoch
 *       over the context's pairs in order, each presented in the zero-shot format ({@link
 *       BatchedKvFineTuner}: many episodes' copies in one batched forward), then the query in the
 *       zero-shot format.
 * </ul>
 *
 * Recording and scoring are {@link LabProbe}'s; the per-episode metrics are {@link
 * SampleLine#of}'s, the same as {@code iclab dai} on a language model.
 */
public final class EmergenceDai {
  /** One checkpoint's outcome. */
  public record CheckpointResult(
      long step,
      double ftLr,
      List<LrTrial> lrSearch,
      List<SampleLine> lines,
      double ftLossMean,
      Map<String, Double> seconds) {}

  private final EmergenceDaiConfig config;
  private final Path runFolder;
  private final RunSpec spec;
  private final RunSetup setup;
  private final List<Long> steps;
  private final LabEpisodes episodes;
  private final LabEpisodes devEpisodes;

  /**
   * @throws IclabException when the run is not a transformer run, keeps no weights, or lacks a
   *     requested step
   */
  public EmergenceDai(EmergenceDaiConfig config) {
    this.config = config;
    this.runFolder = Path.of(config.run());
    this.spec = RunSetup.readSpec(runFolder);
    if (spec.arch() != Architecture.TRANSFORMER) {
      throw new IclabException(
          "%s is an %s run: Dai et al.'s comparison needs attention (it compares attention outputs and fine-tunes the key/value projections); give a transformer run"
              .formatted(config.run(), spec.arch().flag()));
    }
    List<Long> kept = KeptWeights.steps(runFolder);
    if (kept.isEmpty()) {
      throw new IclabException(
          "%s keeps no weights; train it with iclab emergence ... --keep-checkpoints"
              .formatted(config.run()));
    }
    this.steps = select(config.checkpoints(), kept, config.run());
    this.setup = RunSetup.of(spec);
    this.episodes = LabEpisodes.of(setup, config.episodes(), setup.seeds().eval());
    this.devEpisodes =
        config.lrSearch().isEmpty()
            ? null
            : LabEpisodes.of(setup, config.lrSearchDev(), devSeed(setup.seeds().eval()));
  }

  /** The learning-rate search's episodes: another seed, so other episodes than the evaluated. */
  static long devSeed(long evalSeed) {
    return evalSeed * 31 + 17;
  }

  /** Parses {@code all}, {@code last} or a list of kept steps. */
  static List<Long> select(String spec, List<Long> kept, String run) {
    String s = spec.trim();
    if (s.equals("all")) {
      return kept;
    }
    if (s.equals("last")) {
      return List.of(kept.get(kept.size() - 1));
    }
    TreeSet<Long> chosen = new TreeSet<>();
    for (String part : s.split(",")) {
      long step;
      try {
        step = Long.parseLong(part.trim());
      } catch (NumberFormatException e) {
        throw new IclabException(
            "--checkpoints '%s' must be all, last or kept steps such as 0,100; kept in %s: %s"
                .formatted(spec, run, kept),
            e);
      }
      if (!kept.contains(step)) {
        throw new IclabException(
            "--checkpoints: step %d is not kept in %s; kept steps: %s".formatted(step, run, kept));
      }
      chosen.add(step);
    }
    return List.copyOf(chosen);
  }

  public RunSpec spec() {
    return spec;
  }

  /** The checkpoints to analyse, ascending. */
  public List<Long> steps() {
    return steps;
  }

  public int layers() {
    return spec.layers();
  }

  public LabEpisodes episodes() {
    return episodes;
  }

  /** Analyses one checkpoint: the learning-rate search (if any), then ZSL, ICL and FT. */
  public CheckpointResult analyse(long step, DaiExperiment.Listener listener) {
    Map<String, Double> seconds = new LinkedHashMap<>();
    long start = System.nanoTime();
    try (NDManager root = Tensors.newManager();
        SequenceModel model =
            SequenceModel.create(setup.modelConfig(), root, setup.seeds().init())) {
      KeptWeights.load(runFolder, step, model.parameters(), root);
      try (BatchedKvFineTuner ft = new BatchedKvFineTuner(model, root, setup.seeds().init())) {
        double lr;
        List<LrTrial> trials = List.of();
        if (config.lrSearch().isEmpty()) {
          lr = config.ftLr();
        } else {
          trials = search(ft, step, listener);
          lr = DaiExperiment.best(trials);
        }
        seconds.put("lr-search", since(start));
        long t = System.nanoTime();
        LabProbe probe = new LabProbe(model, root, episodes.tokens(), episodes.inputDim());
        int n = episodes.size();
        List<SettingRecord> zsl = probe.run(episodes.zsl(), n);
        List<SettingRecord> icl = probe.run(episodes.icl(), n);
        seconds.put("zsl+icl", since(t));
        t = System.nanoTime();
        listener.phase("step %d: fine-tune".formatted(step), n);
        List<SettingRecord> tuned = new ArrayList<>(n);
        double[][] losses = new double[n][];
        for (int first = 0; first < n; first += LabProbe.CHUNK) {
          int[] rows = IntStream.range(first, Math.min(n, first + LabProbe.CHUNK)).toArray();
          float[] rates = new float[rows.length];
          Arrays.fill(rates, (float) lr);
          try (BatchedKvFineTuner.Copies copies = ft.train(episodes, rows, rates)) {
            List<SettingRecord> records = copies.probe(episodes, rows, true);
            for (int r = 0; r < rows.length; r++) {
              requireFinite(records.get(r), lr, step);
              tuned.add(records.get(r));
              losses[rows[r]] = copies.losses()[r];
              listener.step();
            }
          }
        }
        seconds.put("ft", since(t));
        double lossSum = 0;
        for (double[] episodeLosses : losses) {
          for (double loss : episodeLosses) {
            lossSum += loss;
          }
        }
        List<SampleLine> lines = new ArrayList<>(n);
        for (int e = 0; e < n; e++) {
          int j = MismatchedPartner.of(e, n);
          lines.add(
              SampleLine.of(
                  "step-" + step,
                  e,
                  String.valueOf(e),
                  episodes.labels()[e],
                  zsl.get(e),
                  icl.get(e),
                  tuned.get(e),
                  new SampleLine.Partner(String.valueOf(j), zsl.get(j), tuned.get(j)),
                  config.seed() * 1_000_003L + e));
        }
        return new CheckpointResult(
            step, lr, trials, lines, lossSum / ((double) n * episodes.pairs()), seconds);
      }
    }
  }

  /**
   * FT accuracy and mean gold-label loss on the separate episodes, for each rate: every (rate,
   * episode) pair is one copy, trained in batches of {@link LabProbe#CHUNK}.
   */
  private List<LrTrial> search(BatchedKvFineTuner ft, long step, DaiExperiment.Listener listener) {
    List<Double> rates = config.lrSearch();
    int m = devEpisodes.size();
    int total = rates.size() * m;
    listener.phase("step %d: lr search".formatted(step), total);
    List<SettingRecord> scored = new ArrayList<>(total);
    for (int first = 0; first < total; first += LabProbe.CHUNK) {
      int[] pairs = IntStream.range(first, Math.min(total, first + LabProbe.CHUNK)).toArray();
      int[] rows = Arrays.stream(pairs).map(p -> p % m).toArray();
      float[] lrs = new float[pairs.length];
      for (int r = 0; r < pairs.length; r++) {
        lrs[r] = rates.get(pairs[r] / m).floatValue();
      }
      try (BatchedKvFineTuner.Copies copies = ft.train(devEpisodes, rows, lrs)) {
        scored.addAll(copies.probe(devEpisodes, rows, false)); // in pair order
      }
      for (int r = 0; r < pairs.length; r++) {
        listener.step();
      }
    }
    List<LrTrial> trials = new ArrayList<>();
    for (int k = 0; k < rates.size(); k++) {
      int right = 0;
      double loss = 0;
      String failure = null;
      for (int e = 0; e < m && failure == null; e++) {
        double[] scores = scored.get(k * m + e).labelLogProbs();
        int gold = devEpisodes.labels()[e];
        if (!Arrays.stream(scores).allMatch(Double::isFinite)) {
          failure = "the fine-tuned model predicts %s".formatted(Arrays.toString(scores));
        } else {
          int predicted = scores[1] > scores[0] ? 1 : 0; // the first label on ties, as SampleLine
          right += predicted == gold ? 1 : 0;
          loss -= scores[gold];
        }
      }
      trials.add(
          failure == null
              ? new LrTrial(rates.get(k), (double) right / m, loss / m, null)
              : new LrTrial(rates.get(k), Double.NaN, Double.NaN, failure));
    }
    return trials;
  }

  private static void requireFinite(SettingRecord record, double lr, long step) {
    for (double v : record.labelLogProbs()) {
      if (!Double.isFinite(v)) {
        throw new IclabException(
            "at step %d the model fine-tuned with --ft-lr %s predicts %s; the learning rate is too large, try --ft-lr %s"
                .formatted(step, lr, v, lr / 10));
      }
    }
  }

  private static double since(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
