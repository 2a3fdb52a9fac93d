package dev.iclab.tune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.lm.arch.CausalLM;
import dev.iclab.tune.kv.KvConfig;
import dev.iclab.tune.kv.KvTuner;
import dev.iclab.tune.lora.LoraConfig;
import dev.iclab.tune.lora.LoraTuner;
import dev.iclab.tune.optim.LrSchedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run stopped after k steps and restored from its checkpoint ends with the same parameters, bit
 * for bit, as a run that never stopped: optimizer moments, step, schedule position, data order and
 * the dropout stream all carry over.
 */
class ResumeTest {
  /** Thrown by a listener to stop a run as a crash would. */
  private static final class Stop extends RuntimeException {
    private static final long serialVersionUID = 1L;
  }

  // AdamW, cosine schedule with warm-up, batch 1, accumulation 2, clipping, dropout, 3 epochs.
  private static final TrainingConfig ADAMW =
      new TrainingConfig(
          "adamw", 1e-2, 3, 1, 2, LrSchedule.Kind.COSINE, 2, 1.0, 0.1, 0.01, true, 5);

  private static Map<String, float[]> run(
      Function<CausalLM, Tuner> method,
      TrainingConfig config,
      List<TrainingExample> data,
      Path checkpoints,
      int stopAfter) {
    try (CausalLM model = Methods.load("tinystories-656k");
        Tuner tuner = method.apply(model);
        Trainer trainer = new Trainer(tuner, config, data.size())) {
      int start = 0;
      if (checkpoints != null && stopAfter < 0) {
        start = TrainingCheckpoint.restore(trainer, TrainingCheckpoint.latest(checkpoints).get());
      }
      try {
        trainer.train(
            data,
            start,
            p -> {
              if (checkpoints != null && stopAfter > 0) {
                TrainingCheckpoint.save(trainer, p.step(), checkpoints, 1, dir -> {});
                if (p.step() == stopAfter) {
                  throw new Stop();
                }
              }
            });
      } catch (Stop stopped) {
        assertTrue(stopAfter > 0);
      }
      Map<String, float[]> out = new LinkedHashMap<>();
      for (TrainableParameter p : trainer.parameters()) {
        out.put(p.name(), p.array().toFloatArray());
      }
      return out;
    }
  }

  private static void assertResumesExactly(
      Function<CausalLM, Tuner> method, TrainingConfig config, int k, Path dir) {
    List<TrainingExample> data = Methods.stories();
    Map<String, float[]> straight = run(method, config, data, null, 0);
    Path checkpoints = dir.resolve("checkpoints");
    Map<String, float[]> stopped = run(method, config, data, checkpoints, k);
    assertEquals(
        "step-%08d".formatted(k),
        TrainingCheckpoint.latest(checkpoints).get().getFileName().toString());
    assertFalse(
        straight.entrySet().stream()
            .allMatch(e -> java.util.Arrays.equals(e.getValue(), stopped.get(e.getKey()))),
        "the stopped run is behind the full one");
    Map<String, float[]> resumed = run(method, config, data, checkpoints, -1);
    for (var e : straight.entrySet()) {
      assertArrayEquals(e.getValue(), resumed.get(e.getKey()), 0f, e.getKey());
    }
  }

  @Test
  void loraWithAdamwDropoutAndScheduleResumesBitIdentically(@TempDir Path dir) {
    Function<CausalLM, Tuner> lora =
        m -> new LoraTuner(m, new LoraConfig(4, 8, 0.2, MethodOptions.defaultTargets(m)), 3);
    assertResumesExactly(lora, ADAMW, 3, dir); // 6 steps: stopped mid-epoch 2
  }

  @Test
  void kvWithSgdResumesBitIdentically(@TempDir Path dir) {
    assertResumesExactly(m -> new KvTuner(m, new KvConfig()), TrainingConfig.daiKv(0.1), 2, dir);
  }

  @Test
  void onlyTheNewestCompleteCheckpointIsKeptAndTemporariesAreIgnored(@TempDir Path dir)
      throws Exception {
    Path checkpoints = dir.resolve("c");
    List<TrainingExample> data = Methods.stories();
    try (CausalLM model = Methods.load("tinystories-656k");
        Tuner tuner =
            new LoraTuner(model, new LoraConfig(2, 4, 0, MethodOptions.defaultTargets(model)), 1);
        Trainer trainer = new Trainer(tuner, TrainingConfig.adamw(1e-3, 1, 1), data.size())) {
      trainer.train(data, p -> TrainingCheckpoint.save(trainer, p.step(), checkpoints, 2, d -> {}));
      // a crash while writing step 5 leaves only a hidden temporary
      Files.createDirectories(checkpoints.resolve(".step-00000005.tmp-123"));
      List<String> names = new ArrayList<>();
      try (Stream<Path> s = Files.list(checkpoints)) {
        s.forEach(p -> names.add(p.getFileName().toString()));
      }
      assertTrue(names.containsAll(List.of("step-00000003", "step-00000004")), names.toString());
      assertEquals(3, names.size(), names.toString());
      assertEquals(
          4, TrainingCheckpoint.stepOf(TrainingCheckpoint.latest(checkpoints).orElseThrow()));

      // a checkpoint from another configuration is refused with what differs
      try (Trainer other = new Trainer(tuner, TrainingConfig.adamw(1e-3, 2, 1), data.size())) {
        var e =
            assertThrows(
                TuneException.class,
                () ->
                    TrainingCheckpoint.restore(
                        other, TrainingCheckpoint.latest(checkpoints).orElseThrow()));
        assertTrue(e.getMessage().contains("another run"), e.getMessage());
      }
    }
  }
}
