package dev.iclab.experiments.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iclab.IclabException;
import dev.iclab.tune.MethodOptions;
import dev.iclab.tune.TrainingConfig;
import dev.iclab.tune.optim.LrSchedule;
import org.junit.jupiter.api.Test;

class TuneConfigTest {
  private static final TrainingFlags ADAMW =
      new TrainingFlags(null, 1e-4, null, null, 1, "linear", 0, 1.0, 0, 0, 1, null);

  private static TuneConfig config(
      String method, TuneConfig.TaskData task, TuneConfig.TextData text, TrainingFlags flags) {
    return new TuneConfig(
        method, "model-dir", task, text, 512, null, flags, MethodOptions.defaults(1), null);
  }

  private static TuneConfig.TaskData task(String name, Integer evalEvery) {
    return new TuneConfig.TaskData(name, null, "../shared/data", 8, evalEvery, 200);
  }

  @Test
  void runJsonHasTheTrainingDataInlineAndSnakeCaseKeys() {
    JsonNode json = config("lora", task("sst2", 10), null, ADAMW).toJson();
    assertEquals("sst2", json.path("task").asText(), json.toString());
    assertEquals(8, json.path("train_limit").asInt());
    assertEquals(10, json.path("eval_every").asInt());
    assertEquals(1e-4, json.at("/training_flags/lr").asDouble());
    assertEquals(8, json.at("/method_options/lora/r").asInt());
    assertFalse(json.has("file"), "no text file with a task");
    JsonNode text =
        config("lora", task(null, null), new TuneConfig.TextData("a.jsonl", "text"), ADAMW)
            .toJson();
    assertEquals("a.jsonl", text.path("file").asText(), text.toString());
    assertTrue(text.path("task").isMissingNode() || text.path("task").isNull(), text.toString());
  }

  @Test
  void flagsAreCheckedInTheOrderAUserFixesThem() {
    TrainingFlags badSchedule =
        new TrainingFlags(null, 1e-4, null, null, 1, "zigzag", 0, 1, 0, 0, 1, null);
    IclabException method =
        assertThrows(
            IclabException.class, () -> config("lorax", task("sst2", null), null, badSchedule));
    assertTrue(method.getMessage().startsWith("unknown --method lorax"), method.getMessage());
    IclabException sources =
        assertThrows(
            IclabException.class,
            () -> config("lora", task("sst2", null), new TuneConfig.TextData("a", "t"), ADAMW));
    assertTrue(sources.getMessage().contains("exactly one of --task"), sources.getMessage());
    IclabException evalEvery =
        assertThrows(
            IclabException.class,
            () -> config("lora", task(null, 5), new TuneConfig.TextData("a", "t"), ADAMW));
    assertTrue(evalEvery.getMessage().startsWith("--eval-every scores"), evalEvery.getMessage());
    IclabException schedule =
        assertThrows(
            IclabException.class, () -> config("lora", task("sst2", null), null, badSchedule));
    assertTrue(
        schedule.getMessage().startsWith("--schedule must be one of"), schedule.getMessage());
  }

  @Test
  void kvIsDaiEtAlsRestrictedFineTuning() {
    TrainingConfig kv = config("kv", task("sst2", null), null, ADAMW).training();
    assertEquals("sgd", kv.optimizer());
    assertEquals(1, kv.batchSize());
    assertEquals(LrSchedule.Kind.CONSTANT, kv.schedule());
    assertFalse(kv.shuffle());
    TrainingFlags adamw =
        new TrainingFlags("adamw", 1e-4, null, null, 1, "linear", 0, 1, 0, 0, 1, null);
    IclabException e =
        assertThrows(IclabException.class, () -> config("kv", task("sst2", null), null, adamw));
    assertTrue(e.getMessage().startsWith("--method kv is Dai et al.'s"), e.getMessage());
    TrainingConfig lora = config("lora", task("sst2", null), null, ADAMW).training();
    assertEquals("adamw", lora.optimizer());
    assertEquals(LrSchedule.Kind.LINEAR, lora.schedule());
    assertTrue(lora.shuffle());
  }
}
