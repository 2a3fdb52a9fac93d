package dev.iclab.sweep.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iclab.tensor.SharedAssets;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Spark standalone cluster on 127.0.0.1: a master and a worker started as separate JVMs (the
 * classes of Spark's own {@code sbin/start-master.sh} and {@code start-worker.sh}), and a driver
 * JVM running a 2-cell sweep through them; the worker's executor runs the cells.
 */
class SparkStandaloneTest {
  @TempDir Path dir;

  @Test
  void aTwoCellSweepRunsOnAStandaloneMasterAndWorker() throws Exception {
    // The worker builds its executors' command from SPARK_HOME/jars (here empty: the executors get
    // Spark and iclab from spark.executor.extraClassPath, this test's class path).
    Path sparkHome = Files.createDirectories(dir.resolve("spark-home").resolve("jars")).getParent();
    int port = freePort();
    String master = "spark://127.0.0.1:" + port;
    List<Process> cluster = new ArrayList<>();
    try {
      cluster.add(
          sparkProcess(
              dir.resolve("master.log"),
              sparkHome,
              List.of(
                  "-Xmx256m",
                  "org.apache.spark.deploy.master.Master",
                  "--host",
                  "127.0.0.1",
                  "--port",
                  String.valueOf(port),
                  "--webui-port",
                  String.valueOf(freePort()))));
      cluster.add(
          sparkProcess(
              dir.resolve("worker.log"),
              sparkHome,
              List.of(
                  "-Xmx256m",
                  "org.apache.spark.deploy.worker.Worker",
                  "--host",
                  "127.0.0.1",
                  "--cores",
                  "2",
                  "--memory",
                  "3g",
                  "--webui-port",
                  String.valueOf(freePort()),
                  "--work-dir",
                  dir.resolve("work").toString(),
                  master)));
      Path grid =
          Files.writeString(
              dir.resolve("grid.yaml"),
              """
              command: eval
              base: {model: %s, task: sst2, data_dir: %s, limit: 4, seeds: 1}
              grid: {shots: [0, 2]}
              """
                  .formatted(SparkSweepTest.model(), SharedAssets.require("data")));
      Path out = dir.resolve("sweep");
      Path driverLog = dir.resolve("driver.log");
      Process driver =
          sparkProcess(
              driverLog,
              sparkHome,
              List.of(
                  "-Xmx1g",
                  "-Dspark.executor.extraClassPath=" + System.getProperty("java.class.path"),
                  "-Dspark.executor.memory=1g",
                  "-Dspark.cores.max=2",
                  "dev.iclab.cli.Main",
                  "sweep",
                  grid.toString(),
                  "--out",
                  out.toString(),
                  "--engine",
                  "spark",
                  "--master",
                  master));
      boolean ended = driver.waitFor(240, TimeUnit.SECONDS);
      if (!ended) {
        driver.destroyForcibly().onExit().join();
      }
      String logs =
          Files.readString(driverLog)
              + "\n--- worker\n"
              + Files.readString(dir.resolve("worker.log"))
              + "\n--- master\n"
              + Files.readString(dir.resolve("master.log"));
      assertTrue(ended, "the driver did not finish in 240 s:\n" + logs);
      assertEquals(0, driver.exitValue(), logs);
      List<JsonNode> cells = SparkSweepTest.lines(out.resolve("sweep.jsonl"));
      assertEquals(2, cells.size());
      // The cells ran in the worker's executor, not in the driver.
      try (var apps = Files.list(dir.resolve("work"))) {
        assertTrue(
            apps.anyMatch(a -> a.getFileName().toString().startsWith("app-")),
            "no executor:\n" + logs);
      }
      for (JsonNode cell : cells) {
        assertEquals("finished", cell.path("status").asText(), cell.toString());
        Path alone = dir.resolve("alone-" + cell.path("index").asInt());
        SparkSweepTest.Run eval =
            SparkSweepTest.Run.of(
                "eval",
                "--model",
                SparkSweepTest.model(),
                "--task",
                "sst2",
                "--data-dir",
                SharedAssets.require("data").toString(),
                "--limit",
                "4",
                "--seeds",
                "1",
                "--shots",
                cell.path("values").path("shots").asText(),
                "--out",
                alone.toString());
        assertEquals(0, eval.code(), eval.err());
        assertArrayEquals(
            Files.readAllBytes(alone.resolve("samples.jsonl")),
            Files.readAllBytes(SparkSweepTest.cellFolder(out, cell).resolve("samples.jsonl")));
      }
    } finally {
      for (Process p : cluster) {
        p.destroyForcibly().onExit().join();
      }
    }
  }

  /** A JVM with this test's class path and Spark's options, bound to 127.0.0.1. */
  private static Process sparkProcess(Path log, Path sparkHome, List<String> args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(System.getProperty("iclab.sparkJavaOptions").split(" ")));
    command.addAll(
        List.of(
            "-XX:-UsePerfData",
            "-Dai.djl.offline=true",
            "-cp",
            System.getProperty("java.class.path")));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.redirectOutput(log.toFile());
    builder.environment().put("SPARK_HOME", sparkHome.toString());
    builder.environment().put("SPARK_SCALA_VERSION", "2.13");
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    builder.environment().put("DJL_OFFLINE", "true");
    builder.environment().put("OPT_OUT_TRACKING", "true");
    return builder.start();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
