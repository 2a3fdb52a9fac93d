package dev.iclab.experiments.ipt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.IclabException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The study's numbers from its result files. Relative performance (Qin et al.) is the mean over
 * tasks of IST accuracy / PT accuracy, for the training tasks (IST on their held-out data) and for
 * the test tasks; the same for the random decoder. Chance is the test split's majority rate.
 *
 * @param json summary.json
 * @param perTask every task's metrics, all variants
 */
record IptSummary(ObjectNode json, ObjectNode perTask) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static IptSummary collect(IptConfig config, Path out, Map<String, IptTask> tasks) {
    ObjectNode summary = JSON.createObjectNode();
    ObjectNode perTask = JSON.createObjectNode();
    int mainDim = config.intrinsicDims().get(0);
    ObjectNode byDim = JSON.createObjectNode();
    for (int dim : config.intrinsicDims()) {
      byDim.set(Integer.toString(dim), dimension(config, out, tasks, dim, perTask));
    }
    summary.set("tasks", byDim.get(Integer.toString(mainDim)).get("tasks"));
    summary.set(
        "relative_performance", byDim.get(Integer.toString(mainDim)).get("relative_performance"));
    summary.set(
        "random_subspace_relative_performance",
        byDim.get(Integer.toString(mainDim)).get("random_subspace_relative_performance"));
    summary.put("intrinsic_dim", mainDim);
    summary.set("by_intrinsic_dim", byDim);
    ObjectNode ablation = JSON.createObjectNode();
    for (int dim : config.intrinsicDims()) {
      for (double f : config.trainFractions()) {
        if (f == 1.0) {
          continue;
        }
        String variant = "d" + dim + "-f" + f;
        List<Double> ratios = new ArrayList<>();
        for (String name : config.testTasks()) {
          double pt = accuracy(out.resolve("pt").resolve(IptFiles.safe(name)));
          double ist = accuracy(ist(out, "msf-" + variant, name));
          ratios.add(ist / pt);
        }
        ObjectNode a = ablation.putObject(variant);
        a.put("intrinsic_dim", dim);
        a.put("train_fraction", f);
        a.put("train_tasks", (int) Math.max(1, Math.ceil(f * config.trainTasks().size())));
        a.put("test_relative_performance", mean(ratios));
      }
    }
    if (!ablation.isEmpty()) {
      summary.set("task_count_ablation", ablation);
    }
    summary.put("train_tasks", config.trainTasks().size());
    summary.put("test_tasks", config.testTasks().size());
    summary.put("split", config.split());
    return new IptSummary(summary, perTask);
  }

  private static ObjectNode dimension(
      IptConfig config, Path out, Map<String, IptTask> tasks, int dim, ObjectNode perTask) {
    ObjectNode node = JSON.createObjectNode();
    ObjectNode taskNodes = node.putObject("tasks");
    List<Double> trainRatios = new ArrayList<>();
    List<Double> testRatios = new ArrayList<>();
    List<Double> randomTrain = new ArrayList<>();
    List<Double> randomTest = new ArrayList<>();
    for (String name : config.allTasks()) {
      boolean train = config.trainTasks().contains(name);
      double pt = accuracy(out.resolve("pt").resolve(IptFiles.safe(name)));
      double ist = accuracy(ist(out, "msf-d" + dim, name));
      double random = accuracy(ist(out, "random-d" + dim, name));
      ObjectNode t = taskNodes.putObject(name);
      t.put("split", train ? "train" : "test");
      t.put("pt", pt);
      t.put("ist", ist);
      t.put("random_subspace", random);
      t.put("majority", tasks.get(name).majority());
      ObjectNode p = perTask.has(name) ? (ObjectNode) perTask.get(name) : perTask.putObject(name);
      p.put("split", train ? "train" : "test");
      p.put("majority", tasks.get(name).majority());
      p.set(
          "pt",
          IptFiles.readJson(
              out.resolve("pt").resolve(IptFiles.safe(name)).resolve(IptFiles.RESULT)));
      p.set(
          "ist_d" + dim, IptFiles.readJson(ist(out, "msf-d" + dim, name).resolve(IptFiles.RESULT)));
      p.set(
          "random_d" + dim,
          IptFiles.readJson(ist(out, "random-d" + dim, name).resolve(IptFiles.RESULT)));
      (train ? trainRatios : testRatios).add(ist / pt);
      (train ? randomTrain : randomTest).add(random / pt);
    }
    ObjectNode rel = node.putObject("relative_performance");
    rel.put("train", mean(trainRatios));
    rel.put("test", mean(testRatios));
    ObjectNode randomRel = node.putObject("random_subspace_relative_performance");
    randomRel.put("train", mean(randomTrain));
    randomRel.put("test", mean(randomTest));
    return node;
  }

  private static Path ist(Path out, String subspace, String name) {
    return out.resolve("ist").resolve(subspace).resolve(IptFiles.safe(name));
  }

  private static double accuracy(Path dir) {
    Path file = dir.resolve(IptFiles.RESULT);
    if (!Files.isRegularFile(file)) {
      throw new IclabException(
          "the evaluation needs %s; run the stages before it (`iclab ipt run` runs them all)"
              .formatted(file));
    }
    JsonNode r = IptFiles.readJson(file);
    return r.get("test_accuracy").asDouble();
  }

  private static double mean(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }
}
