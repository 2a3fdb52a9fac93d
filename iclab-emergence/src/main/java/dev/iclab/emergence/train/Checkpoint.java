package dev.iclab.emergence.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.AtomicFiles;
import dev.iclab.IclabException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A resumable training state in a run folder: checkpoint.bin (weights then optimizer moments, DJL's
 * NDList encoding) and checkpoint.json (the step it was taken after). Training data are a function
 * of (seed, step), so nothing else is needed to continue exactly.
 */
public final class Checkpoint {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Checkpoint() {}

  public static boolean exists(Path folder) {
    return Files.exists(folder.resolve("checkpoint.json"));
  }

  /** Saves after {@code step}; the binary first, then the JSON that marks it complete. */
  public static void save(Path folder, long step, List<NDArray> params, NDList optimizerState) {
    NDList all = new NDList();
    all.addAll(params);
    all.addAll(optimizerState);
    byte[] bytes = all.encode();
    AtomicFiles.writeBytes(folder.resolve("checkpoint.bin"), bytes);
    try {
      AtomicFiles.writeString(
          folder.resolve("checkpoint.json"),
          JSON.writeValueAsString(
              Map.of("step", step, "bytes", bytes.length, "arrays", all.size())));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Loads a checkpoint into existing weights and moments (in place) and returns its step.
   *
   * @throws IclabException when the files are missing, truncated, or from another model shape
   */
  public static long load(
      Path folder, NDManager manager, List<NDArray> params, NDList optimizerState) {
    Path json = folder.resolve("checkpoint.json");
    Path bin = folder.resolve("checkpoint.bin");
    try {
      SizedBinary stored =
          SizedBinary.read(
              json,
              bin,
              "checkpoint %s has %d bytes, %s says %d; it is truncated: restart without --resume");
      try (NDManager scratch = manager.newSubManager()) {
        NDList loaded = NDList.decode(scratch, stored.bytes());
        int expected = params.size() + optimizerState.size();
        if (loaded.size() != expected) {
          throw new IclabException(
              "checkpoint %s holds %d arrays, this model needs %d: it is from another model; use another --out or restart without --resume"
                  .formatted(bin, loaded.size(), expected));
        }
        for (int i = 0; i < expected; i++) {
          NDArray target =
              i < params.size() ? params.get(i) : optimizerState.get(i - params.size());
          NDArray source = loaded.get(i);
          if (!source.getShape().equals(target.getShape())) {
            throw new IclabException(
                "checkpoint %s array %d has shape %s, the model needs %s: use the run's original flags"
                    .formatted(bin, i, source.getShape(), target.getShape()));
          }
          target.subi(target).addi(source);
        }
      }
      return stored.meta().path("step").asLong();
    } catch (IOException e) {
      throw new IclabException(
          "cannot read checkpoint %s: %s; restart without --resume"
              .formatted(folder, e.getMessage()),
          e);
    }
  }
}
