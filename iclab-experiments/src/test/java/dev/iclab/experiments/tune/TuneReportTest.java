package dev.iclab.experiments.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TuneReportTest {
  private static ObjectNode summary() {
    ObjectNode s = new ObjectMapper().createObjectNode();
    s.put("method", "lora");
    s.put("model", "fixtures/models/tinystories-656k");
    s.put("steps", 4);
    s.put("examples", 8);
    s.put("trainable_parameters", 12288);
    s.put("dev_queries", 20);
    return s;
  }

  @Test
  void plotsLossAndDevAccuracyFromTheMetrics(@TempDir Path dir) throws Exception {
    List<String> metrics =
        List.of(
            "{\"step\":0,\"dev_accuracy\":0.5}",
            "{\"step\":1,\"loss\":4.25,\"lr\":1e-4}",
            "{\"step\":2,\"loss\":3.5,\"lr\":1e-4,\"dev_accuracy\":0.6}",
            "{\"step\":3,\"loss\":3.0,\"lr\":1e-4}",
            "{\"step\":4,\"loss\":2.125,\"lr\":1e-4,\"dev_accuracy\":0.75}");
    assertEquals(
        List.of(TuneReport.LOSS_PNG, TuneReport.DEV_PNG),
        TuneReport.write(dir, metrics, summary()));
    String html = Files.readString(dir.resolve(TuneReport.HTML));
    assertTrue(html.contains("4.2500 at step 1, 2.1250 at step 4"), html);
    assertTrue(html.contains("50.0% at step 0, 75.0% at step 4"), html);
    assertTrue(html.contains("<img src=\"loss.png\""), html);
    assertTrue(html.contains("<img src=\"dev_accuracy.png\""), html);
    assertTrue(html.contains("12,288 trainable parameters"), html);
    for (String png : List.of(TuneReport.LOSS_PNG, TuneReport.DEV_PNG)) {
      BufferedImage image = ImageIO.read(dir.resolve(png).toFile());
      assertEquals(720, image.getWidth(), png);
    }
  }

  @Test
  void aRunWithoutDevEvaluationHasOnlyTheLossPlot(@TempDir Path dir) throws Exception {
    List<String> metrics = List.of("{\"step\":1,\"loss\":4.0}", "{\"step\":2,\"loss\":3.0}");
    assertEquals(List.of(TuneReport.LOSS_PNG), TuneReport.write(dir, metrics, summary()));
    assertFalse(Files.exists(dir.resolve(TuneReport.DEV_PNG)));
    String html = Files.readString(dir.resolve(TuneReport.HTML));
    assertFalse(html.contains("dev_accuracy.png"), html);
    assertFalse(html.contains("Dev accuracy"), html);
  }
}
