package dev.iclab.lm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A model's reference_outputs.json, from an independent float64 implementation. */
public record ReferenceOutputs(List<Case> cases) {

  /** One prompt with its expected outputs. */
  public record Case(
      String name,
      int[] inputIds,
      int[] greedyNewIds,
      float[] lastLogits,
      int[][] top5PerPosition,
      double[] greedyMargins) {}

  public static ReferenceOutputs read(Path modelDir) {
    try {
      JsonNode root =
          new ObjectMapper().readTree(modelDir.resolve("reference_outputs.json").toFile());
      List<Case> cases = new ArrayList<>();
      int index = 0;
      for (JsonNode c : root.get("cases")) {
        String name =
            c.has("name") ? c.get("name").asText() : c.path("prompt").asText("case" + index);
        index++;
        JsonNode topk = c.get("topk_per_position");
        int[][] top5 = new int[topk.size()][];
        for (int p = 0; p < top5.length; p++) {
          top5[p] = new int[topk.get(p).size()];
          for (int j = 0; j < top5[p].length; j++) {
            top5[p][j] = topk.get(p).get(j).get(0).asInt();
          }
        }
        cases.add(
            new Case(
                name,
                ints(c.get("input_ids")),
                ints(c.get("greedy_new_ids")),
                floats(c.get("last_position_logits")),
                top5,
                doubles(c.get("greedy_top1_minus_top2_margins"))));
      }
      return new ReferenceOutputs(cases);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int[] ints(JsonNode node) {
    int[] values = new int[node.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = node.get(i).asInt();
    }
    return values;
  }

  private static float[] floats(JsonNode node) {
    float[] values = new float[node.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) node.get(i).asDouble();
    }
    return values;
  }

  private static double[] doubles(JsonNode node) {
    double[] values = new double[node == null ? 0 : node.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = node.get(i).asDouble();
    }
    return values;
  }
}
