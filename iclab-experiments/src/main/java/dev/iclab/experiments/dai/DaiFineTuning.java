package dev.iclab.experiments.dai;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.IclabException;
import dev.iclab.analysis.LrTrial;
import dev.iclab.analysis.SettingRecord;
import dev.iclab.analysis.UntrainedModel;
import dev.iclab.lm.LanguageModel;
import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.NonFiniteException;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.tune.Trainer;
import dev.iclab.tune.TrainingConfig;
import dev.iclab.tune.TrainingExample;
import dev.iclab.tune.TuneException;
import dev.iclab.tune.kv.KvConfig;
import dev.iclab.tune.kv.KvTuner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * Dai et al.'s restricted fine-tuning on the demonstrations: a trainable copy of the model (or of
 * its randomly re-initialised control) whose key/value projections alone are trained with SGD,
 * batch 1, one epoch, in order; and the check that what the tuned model predicts is finite.
 */
final class DaiFineTuning {
  private final LanguageModel lm;
  private final List<TrainingExample> demos;
  private final long seed;

  /**
   * @param demos the demonstrations as training examples, in order
   * @param seed re-initialises the untrained control
   */
  DaiFineTuning(LanguageModel lm, List<TrainingExample> demos, long seed) {
    this.lm = lm;
    this.demos = demos;
    this.seed = seed;
  }

  /** A trainable copy of the model (randomly re-initialised with the run's seed if asked). */
  CausalLM copy(boolean untrained) {
    Device device = lm.model().device();
    CausalLM copy = ModelLoader.standard().load(lm.directory(), device, true);
    if (untrained) {
      try {
        UntrainedModel.reinitialize(copy, initializerRange(lm.directory()), seed);
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
  CausalLM fineTuned(
      boolean untrained, double lr, List<Double> losses, DaiExperiment.Listener listener) {
    CausalLM ft = copy(untrained);
    try {
      losses.addAll(fineTune(ft, lr, listener));
      return ft;
    } catch (RuntimeException e) {
      ft.close();
      throw e;
    }
  }

  /** Dai et al.'s restricted fine-tuning: k/v projections, SGD, batch 1, one epoch, in order. */
  private List<Double> fineTune(CausalLM ft, double lr, DaiExperiment.Listener listener) {
    try (KvTuner tuner = new KvTuner(ft, new KvConfig());
        Trainer trainer = new Trainer(tuner, TrainingConfig.daiKv(lr), demos.size())) {
      return trainer.train(demos, p -> listener.step()).losses();
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
  static SettingRecord checked(double lr, Supplier<SettingRecord> probe) {
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

  /**
   * The learning rate with the best dev accuracy; ties go to the lower dev loss of the gold answer
   * (with few demonstrations every rate often gives the same accuracy, and taking the first listed,
   * the smallest, would make FT equal ZSL by construction), then to the first listed.
   */
  static double best(List<LrTrial> trials) {
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
}
