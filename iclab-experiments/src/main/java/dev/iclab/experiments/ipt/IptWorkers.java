package dev.iclab.experiments.ipt;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.IclabException;
import dev.iclab.experiments.ipt.IptStudy.Shard;
import dev.iclab.experiments.ipt.IptStudy.Stage;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.tokenizer.Tokenizer;
import dev.iclab.run.RunFolder;
import dev.iclab.run.RunLock;
import dev.iclab.tensor.Tensors;
import dev.iclab.tune.BaseModel;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The runs of an IPT stage shared out among child processes: worker i of N (a JVM of the same class
 * path, {@link #main}) does the stage's runs k with {@code k % N == i}, each written in whole into
 * the study folder as a single process would write it. Every run is deterministic on its own (its
 * seeds are the config's, the engine re-seeded per step), so the results are those of one process
 * with the same engine threads, bit for bit; a killed stage resumes like a sequential one.
 *
 * <p>Processes rather than threads: DJL collects gradients for one thread at a time, and the tiny
 * models of these studies scale poorly over engine threads, but well over processes of one thread.
 * The parent holds the folder's lock for the whole study; a worker writes only while that lock is
 * held by another process, and stops when its parent dies.
 */
final class IptWorkers {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final int workers;
  private final int threads;
  private final Path modelDir;
  private final Device device;
  private final Path dataDir;

  /**
   * @param workers child processes per stage (at most one per run of the stage)
   * @param threads engine threads of each child
   */
  IptWorkers(int workers, int threads, Path modelDir, Device device, Path dataDir) {
    this.workers = workers;
    this.threads = threads;
    this.modelDir = modelDir;
    this.device = device;
    this.dataDir = dataDir;
  }

  /** The number of runs of {@code stage}, the unit a shard counts. */
  static int runs(IptConfig config, Stage stage) {
    return switch (stage) {
      case PROMPTS -> config.allTasks().size();
      case MSF -> config.intrinsicDims().size() * config.trainFractions().size();
      case IST -> IptIst.runs(config).size();
      case EVAL -> 1;
    };
  }

  /** Runs {@code stage} of {@code study} in child processes and waits for all of them. */
  void run(IptStudy study, Stage stage) {
    int n = Math.min(workers, runs(study.config, stage));
    String name = stage.name().toLowerCase(Locale.ROOT);
    study.log.accept(
        "%s: %d runs on %d worker processes of %d thread(s)"
            .formatted(name, runs(study.config, stage), n, threads));
    List<Process> children = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        children.add(start(study.dir, stage, i, n));
      }
      List<String> failed = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int code = children.get(i).waitFor();
        if (code != 0) {
          failed.add("worker %d/%d exit %d".formatted(i + 1, n, code));
        }
      }
      if (!failed.isEmpty()) {
        throw new IclabException(
            "ipt %s: %s (its error is above); the runs finished are kept: run the same command again (`ipt run` with --resume) to continue"
                .formatted(name, String.join(", ", failed)));
      }
    } catch (IOException e) {
      throw new IclabException(
          "ipt %s: cannot start a worker process: %s".formatted(name, e.getMessage()), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IclabException("ipt %s: interrupted".formatted(name), e);
    } finally {
      children.forEach(Process::destroy); // none is left running by a normal return
    }
  }

  private Process start(Path dir, Stage stage, int index, int count) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      // the parent's heap and system properties, not its agents (a debugger's port is taken)
      if (!arg.startsWith("-agent") && !arg.startsWith("-javaagent") && !arg.startsWith("-Xrun")) {
        command.add(arg);
      }
    }
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            IptWorkers.class.getName(),
            dir.toAbsolutePath().toString(),
            stage.name(),
            Integer.toString(index),
            Integer.toString(count),
            modelDir.toAbsolutePath().toString(),
            device.isGpu() ? "gpu:" + device.getDeviceId() : "cpu",
            dataDir.toAbsolutePath().toString(),
            Integer.toString(threads),
            Long.toString(ProcessHandle.current().pid())));
    return new ProcessBuilder(command)
        .redirectOutput(ProcessBuilder.Redirect.INHERIT)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  /**
   * A worker: {@code <study folder> <stage> <index> <count> <model dir> <device> <data dir>
   * <threads> <parent pid>}; the config is the folder's run.json. Exit 0, or 1 with one line.
   */
  public static void main(String[] args) {
    String who = args.length >= 4 ? "[w%d/%s] ".formatted(parse(args[2]) + 1, args[3]) : "";
    int code = 0;
    try {
      if (args.length == 9) {
        // a worker outlives no parent: the next run of the study would find two writers
        ProcessHandle.of(Long.parseLong(args[8]))
            .ifPresentOrElse(
                p -> p.onExit().thenRun(() -> Runtime.getRuntime().halt(3)),
                () -> Runtime.getRuntime().halt(3));
      }
      work(args, line -> System.err.println(who + line));
    } catch (IclabException e) {
      System.err.println(who + "error: " + e.getMessage());
      code = 1;
    } catch (RuntimeException | Error e) {
      System.err.println(who + "error: " + e);
      e.printStackTrace();
      code = 1;
    }
    System.exit(code);
  }

  private static int parse(String number) {
    try {
      return Integer.parseInt(number);
    } catch (NumberFormatException e) {
      throw new IclabException("not a number: " + number, e);
    }
  }

  static void work(String[] args, Consumer<String> log) {
    if (args.length != 9) {
      throw new IclabException(
          "an ipt worker takes 9 arguments, got %d; workers are started by `iclab ipt --workers N`"
              .formatted(args.length));
    }
    Path dir = Path.of(args[0]);
    requireLockedElsewhere(dir);
    Stage stage = Stage.valueOf(args[1]);
    Shard shard = new Shard(parse(args[2]), parse(args[3]));
    Path modelDir = Path.of(args[4]);
    Path dataDir = Path.of(args[6]);
    IptConfig config = config(dir);
    Tensors.useThreads(parse(args[7])); // for the rest of this process
    try (CausalLM model =
            dev.iclab.lm.ModelLoader.standard().load(modelDir, Tensors.device(args[5]), true);
        Tokenizer tokenizer = IptStudy.tokenizer(modelDir, model)) {
      IptStudy.runShard(
          config,
          model,
          tokenizer,
          new BaseModel(config.model(), modelDir),
          dataDir,
          dir,
          stage,
          shard,
          log);
    }
  }

  private static IptConfig config(Path dir) {
    JsonNode run = IptFiles.readJson(dir.resolve(RunFolder.RUN));
    try {
      return JSON.treeToValue(run.get("config"), IptConfig.class);
    } catch (IOException e) {
      throw new IclabException(
          "%s: cannot read the study's config: %s".formatted(dir, e.getMessage()), e);
    }
  }

  /** Refuses unless another process (the study's) holds {@code dir}'s run lock. */
  private static void requireLockedElsewhere(Path dir) {
    if (!Files.isDirectory(dir) || !RunLock.heldElsewhere(dir)) {
      throw new IclabException(
          "%s is not held by a running `iclab ipt` study; workers only write for one"
              .formatted(dir));
    }
  }
}
