package dev.iclab.run;

import dev.iclab.IclabException;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An exclusive lock on a run folder, held while one process writes it.
 *
 * <p>The lock is an operating-system lock ({@link FileChannel#tryLock()}) on {@code .iclab-lock} in
 * the folder; the file's text (pid, host, start time) only serves the message of a process that is
 * refused. The kernel drops the lock when its process dies, however it dies, so a lock file left by
 * a killed run is stale by construction and the next run takes it over.
 *
 * <p>The file is never deleted (a process that opened it just before the deletion would lock a file
 * that no longer has the name, beside a third process locking a new one); release empties it. And
 * the holder never opens the path a second time: closing any other descriptor of the file would
 * drop a POSIX lock.
 */
public final class RunLock implements AutoCloseable {
  public static final String FILE = ".iclab-lock";

  /** The lock files this process holds: POSIX locks belong to the process, not a channel. */
  private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

  private final Path path;
  private final FileLock lock; // its channel() is the open lock file

  private RunLock(Path path, FileLock lock) {
    this.path = path;
    this.lock = lock;
  }

  /**
   * Locks {@code folder} (creating it), or refuses with one line naming the holder.
   *
   * @throws IclabException when another live process holds the folder, or it cannot be created
   */
  public static RunLock acquire(Path folder) {
    Path path = folder.resolve(FILE).toAbsolutePath().normalize();
    if (!HELD_HERE.add(path)) {
      // Opening (and closing) the file again in this process would drop the lock it holds.
      throw new IclabException(
          "%s is being written by another iclab run (this process, pid %d); choose another --out"
              .formatted(folder, ProcessHandle.current().pid()));
    }
    FileChannel channel = null;
    try {
      Files.createDirectories(folder);
      channel =
          FileChannel.open(
              path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        String holder = holder(path); // safe: this process holds no lock on the file
        channel.close();
        throw new IclabException(
            "%s is being written by another iclab run (%s); wait for it to finish, stop it, or choose another --out"
                .formatted(folder, holder));
      }
      String owner =
          "pid %d on %s since %s%n"
              .formatted(ProcessHandle.current().pid(), hostName(), Instant.now());
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(owner.getBytes(StandardCharsets.UTF_8)), 0);
      channel.force(false);
      return new RunLock(path, lock);
    } catch (IOException | RuntimeException e) {
      HELD_HERE.remove(path);
      closeQuietly(channel);
      if (e instanceof IOException io) {
        throw new IclabException(
            "cannot create or lock %s: %s; check that the folder is writable"
                .formatted(path, io.getMessage()),
            io);
      }
      throw (RuntimeException) e;
    }
  }

  /**
   * Whether another live process holds {@code folder}'s lock (a worker writing for its parent's run
   * checks this). A free lock is taken and dropped at once; a lock this process holds is not
   * probed, since closing a second channel on the file would drop it.
   */
  public static boolean heldElsewhere(Path folder) {
    Path path = folder.resolve(FILE).toAbsolutePath().normalize();
    if (HELD_HERE.contains(path) || !Files.isRegularFile(path)) {
      return false;
    }
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
      FileLock lock = channel.tryLock();
      if (lock == null) {
        return true;
      }
      lock.release();
      return false;
    } catch (IOException e) {
      return false;
    }
  }

  private static String holder(Path path) {
    try {
      String text = Files.readString(path, StandardCharsets.UTF_8).strip();
      return text.isEmpty() ? "holder unknown" : text;
    } catch (IOException e) {
      return "holder unknown";
    }
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown host";
    }
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing was locked
      }
    }
  }

  /** Empties the lock file and releases the lock. */
  @Override
  public void close() {
    FileChannel channel = lock.channel();
    try {
      channel.truncate(0);
    } catch (IOException ignored) {
      // a stale text is harmless: nobody holds the lock
    }
    try {
      lock.release();
      channel.close();
    } catch (IOException ignored) {
      // closing the channel releases the lock in any case
    } finally {
      HELD_HERE.remove(path);
    }
  }
}
