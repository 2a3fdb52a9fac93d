package dev.iclab.icl.run;

import dev.iclab.IclabException;
import dev.iclab.icl.Calibration;
import dev.iclab.icl.Order;
import java.util.List;

/**
 * A resolved evaluation run: every combination of shots x seeds x select x order x labels is
 * evaluated, and each is reported under every scoring x calibrate.
 *
 * @param model the model directory as resolved
 * @param task built-in task name, or null with {@code taskFile}
 * @param taskFile a user task file (YAML/JSON), or null
 * @param dataDir where built-in tasks' files are
 * @param evalCap the evaluation set is shuffled with {@code evalShuffleSeed} and cut to this many
 * @param limit evaluate only the first N of those (null for all)
 * @param batchSize queries scored together: packed into forward passes over their shared prefix, or
 *     in left-padded batches of similar length when each has its own demonstrations (1: one at a
 *     time); scores agree across batch sizes within float rounding (1e-4)
 */
public record EvalConfig(
    String model,
    String task,
    String taskFile,
    String dataDir,
    List<Integer> shots,
    List<Long> seeds,
    List<String> select,
    List<Order> order,
    List<String> labels,
    List<String> scoring,
    List<Calibration> calibrate,
    Integer limit,
    int evalCap,
    long evalShuffleSeed,
    boolean skipBadRows,
    int batchSize) {
  /** The default {@code batchSize}: the faster on CPU in {@code iclab bench icl}. */
  public static final int DEFAULT_BATCH_SIZE = 32;

  public EvalConfig {
    if ((task == null) == (taskFile == null)) {
      throw new IclabException("give exactly one of --task NAME or --task-file FILE");
    }
    shots = nonEmpty("shots", shots);
    seeds = nonEmpty("seeds", seeds);
    select = nonEmpty("select", select);
    order = nonEmpty("order", order);
    labels = nonEmpty("labels", labels);
    scoring = nonEmpty("scoring", scoring);
    calibrate = nonEmpty("calibrate", calibrate);
    for (int k : shots) {
      if (k < 0) {
        throw new IclabException("--shots must be >= 0, got " + k);
      }
    }
    if (limit != null && limit < 1) {
      throw new IclabException("--limit must be >= 1, got " + limit);
    }
    if (batchSize < 1) {
      throw new IclabException("--batch-size must be >= 1, got " + batchSize);
    }
    if (evalCap < 1) {
      throw new IclabException("eval_cap must be >= 1, got " + evalCap);
    }
  }

  private static <T> List<T> nonEmpty(String name, List<T> values) {
    if (values == null || values.isEmpty()) {
      throw new IclabException("--%s needs at least one value".formatted(name));
    }
    return List.copyOf(values);
  }
}
