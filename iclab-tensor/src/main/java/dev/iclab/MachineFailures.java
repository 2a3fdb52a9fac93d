package dev.iclab;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.util.Locale;
import java.util.Optional;

/**
 * Failures of the machine, not of iclab: a full disk, a file-size or disk quota limit, a read-only
 * or unwritable folder, memory exhausted. Like an {@link IclabException} they get one line that
 * says what to do, not a bug report with a stack trace. Results are written so that what was
 * finished stays resumable, so the advice is to free the resource and resume.
 */
public final class MachineFailures {
  private static final String[] FULL = {
    "no space left on device", "file too large", "disk quota exceeded"
  };
  private static final String[] UNWRITABLE = {"read-only file system", "permission denied"};

  private MachineFailures() {}

  /** The one-line message for {@code failure} when it is (or is caused by) such a failure. */
  public static Optional<String> message(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof OutOfMemoryError) {
        return Optional.of(
            "out of memory ("
                + t.getMessage()
                + "); lower the sizes, or give Java more with ICLAB_JAVA_OPTS=-Xmx<size> if the"
                + " machine has it, then rerun (with --resume for a run folder)");
      }
      if (!(t instanceof IOException io)) {
        continue;
      }
      String text = describe(io);
      String lower = text.toLowerCase(Locale.ROOT);
      if (containsAny(lower, FULL)) {
        return Optional.of(
            "cannot write: "
                + text
                + " (the disk is full or a file-size limit is reached); free space and rerun the"
                + " same command with --resume: what was finished is kept");
      }
      if (io instanceof AccessDeniedException || containsAny(lower, UNWRITABLE)) {
        return Optional.of(
            "cannot write: " + text + "; choose a writable folder (--out) or fix its permissions");
      }
    }
    return Optional.empty();
  }

  private static String describe(IOException io) {
    if (io instanceof FileSystemException fs && fs.getFile() != null) {
      String reason = fs.getReason() == null ? io.getClass().getSimpleName() : fs.getReason();
      return fs.getFile() + ": " + reason;
    }
    return String.valueOf(io.getMessage());
  }

  private static boolean containsAny(String text, String[] parts) {
    for (String part : parts) {
      if (text.contains(part)) {
        return true;
      }
    }
    return false;
  }
}
