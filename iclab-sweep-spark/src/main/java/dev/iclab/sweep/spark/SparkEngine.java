package dev.iclab.sweep.spark;

import dev.iclab.experiments.sweep.SweepEngine;
import dev.iclab.experiments.sweep.SweepJob;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * {@code iclab sweep --engine spark}: one Spark job of one task per cell, all submitted at once, so
 * a cell whose task fails (after Spark's retries) fails alone while the others run on.
 *
 * <p>Settings: {@code --master} (default {@code local[2]}); any {@code spark.*} Java system
 * property (e.g. {@code ICLAB_JAVA_OPTS=-Dspark.executor.memory=8g}). On a local master the driver
 * binds to 127.0.0.1 and the web UI is off. On a cluster master, unless {@code spark.jars} is
 * given, the jars this class and iclab's command line were loaded from are shipped to the
 * executors. Executors run DJL offline.
 */
public final class SparkEngine implements SweepEngine {
  static final String DEFAULT_MASTER = "local[2]";

  @Override
  public String name() {
    return "spark";
  }

  @Override
  public Map<Integer, String> run(SweepJob job, List<Integer> cells) {
    String master = job.master() == null ? DEFAULT_MASTER : job.master();
    SparkConf conf = configuration(master, job.out().getFileName().toString());
    Map<Integer, String> lost = new LinkedHashMap<>();
    try (JavaSparkContext spark = new JavaSparkContext(conf)) {
      spark.setLogLevel(System.getProperty("iclab.sparkLogLevel", "WARN"));
      CellTask task = new CellTask(job.gridFile().toString(), job.out().toString());
      Map<Integer, JavaFutureAction<List<String>>> running = new LinkedHashMap<>();
      for (int cell : cells) {
        spark.setJobDescription("iclab sweep cell " + cell);
        running.put(cell, spark.parallelize(List.of(cell), 1).map(task).collectAsync());
      }
      int done = 0;
      for (var entry : running.entrySet()) {
        String outcome;
        try {
          outcome = String.join("", entry.getValue().get());
        } catch (ExecutionException e) {
          String error = rootMessage(e);
          lost.put(entry.getKey(), error);
          outcome = "failed: " + error;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(
              "interrupted while waiting for cell " + entry.getKey(), e);
        }
        done++;
        job.log()
            .printf("sweep: [%d/%d] cell %d %s%n", done, cells.size(), entry.getKey(), outcome);
        job.log().flush();
      }
    }
    return lost;
  }

  static SparkConf configuration(String master, String name) {
    SparkConf conf = new SparkConf().setMaster(master).setAppName("iclab sweep " + name);
    if (isLocal(master)) {
      conf.setIfMissing("spark.driver.host", "127.0.0.1");
      conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
    }
    conf.setIfMissing("spark.ui.enabled", "false");
    conf.setIfMissing("spark.executorEnv.DJL_OFFLINE", "true");
    conf.setIfMissing("spark.executorEnv.OPT_OUT_TRACKING", "true");
    conf.setIfMissing(
        "spark.executor.extraJavaOptions", "-Dai.djl.offline=true -Dfile.encoding=UTF-8");
    return conf;
  }

  /** Whether the master runs executors on this machine only (local mode, or a cluster on it). */
  private static boolean isLocal(String master) {
    return master.startsWith("local")
        || master.startsWith("spark://127.0.0.1:")
        || master.startsWith("spark://localhost:");
  }

  /** The innermost message: a failed cell's own line rather than Spark's stage report. */
  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String message = t.getMessage() == null ? t.toString() : t.getMessage();
    return message.strip().lines().findFirst().orElse(t.toString());
  }
}
