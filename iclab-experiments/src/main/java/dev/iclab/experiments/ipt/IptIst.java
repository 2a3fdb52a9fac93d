package dev.iclab.experiments.ipt;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.IclabException;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.tune.ipt.IntrinsicTuner;
import dev.iclab.tune.ipt.PromptAutoEncoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Stage 3 of an IPT study, intrinsic subspace tuning: in {@code
 * ist/<msf|random>-d<d_I>[-f<fraction>]/<task>/}, the intrinsic vector of each task tuned through
 * the MSF decoder, or through a random decoder of the same shape. Each run is independent of the
 * others; a process does those of its {@link IptStudy.Shard}.
 */
final class IptIst {
  private final IptStudy study;
  private final IptConfig config;
  private final CausalLM model;
  private final Path dir;

  IptIst(IptStudy study) {
    this.study = study;
    this.config = study.config;
    this.model = study.model;
    this.dir = study.dir;
  }

  /** One IST run: a task tuned through a d_I (and fraction) variant's MSF or random decoder. */
  record IstRun(int dim, double fraction, boolean random, String task) {
    String subspace() {
      return (random ? "random-" : "msf-") + IptMsf.variant(dim, fraction);
    }
  }

  /**
   * The IST runs in order: per d_I and fraction, the MSF decoder's tasks, then the random one's.
   */
  static List<IstRun> runs(IptConfig config) {
    List<IstRun> runs = new ArrayList<>();
    for (int dim : config.intrinsicDims()) {
      for (double fraction : config.trainFractions()) {
        // the task-count ablation tunes only the test tasks; the main run every task
        List<String> names = fraction == 1.0 ? config.allTasks() : config.testTasks();
        names.forEach(name -> runs.add(new IstRun(dim, fraction, false, name)));
        if (fraction == 1.0) {
          names.forEach(name -> runs.add(new IstRun(dim, fraction, true, name)));
        }
      }
    }
    return runs;
  }

  void run() {
    for (int dim : config.intrinsicDims()) {
      for (double fraction : config.trainFractions()) {
        Path msfDir = dir.resolve("msf").resolve(IptMsf.variant(dim, fraction));
        if (!Files.isRegularFile(msfDir.resolve("autoencoder.safetensors"))) {
          throw new IclabException(
              "IST needs the auto-encoder %s; run `iclab ipt msf` with the same options first"
                  .formatted(msfDir.resolve("autoencoder.safetensors")));
        }
      }
    }
    List<IstRun> runs = runs(config);
    PromptAutoEncoder ae = null;
    String aeOf = null; // the subspace ae decodes
    try {
      for (int k = 0; k < runs.size(); k++) {
        IstRun run = runs.get(k);
        Path runDir = dir.resolve("ist").resolve(run.subspace()).resolve(IptFiles.safe(run.task()));
        if (!study.shard.mine(k) || IptFiles.done(runDir)) {
          continue;
        }
        if (!run.subspace().equals(aeOf)) {
          if (ae != null) {
            ae.close();
            ae = null;
          }
          ae = decoder(run);
          aeOf = run.subspace();
        }
        tune(run, ae, runDir, k, runs.size());
      }
    } finally {
      if (ae != null) {
        ae.close();
      }
    }
  }

  private PromptAutoEncoder decoder(IstRun run) {
    var shape = IptMsf.shape(config, model, run.dim());
    if (run.random()) {
      return PromptAutoEncoder.create(model.manager(), shape, config.seed() + 7919L * run.dim());
    }
    Path msfDir = dir.resolve("msf").resolve(IptMsf.variant(run.dim(), run.fraction()));
    return PromptAutoEncoder.load(
        model.manager(), shape, msfDir.resolve("autoencoder.safetensors"));
  }

  private void tune(IstRun run, PromptAutoEncoder ae, Path runDir, int k, int total) {
    IptTask task = study.tasks.get(run.task());
    long start = System.nanoTime();
    // z starts at 0, the decoder's own centre, for the MSF and the random decoder alike
    try (IntrinsicTuner tuner =
        new IntrinsicTuner(model, ae, new float[ae.shape().intrinsicDim()])) {
      List<Double> losses =
          study.train(tuner, task.trainingExamples(), config.istSteps(), config.istLr());
      ObjectNode result = study.result(run.task(), tuner, task, losses, start);
      result.putPOJO("intrinsic_vector", tuner.vector());
      study.save(runDir, tuner, result);
      study.log.accept(
          "ist %-12s %-40s test %.3f  [%d/%d]"
              .formatted(
                  run.subspace(),
                  run.task(),
                  result.get("test_accuracy").asDouble(),
                  k + 1,
                  total));
    }
  }
}
