package dev.iclab.lm.hub;

/**
 * Receives the progress of a download, file by file, so a command line can draw a progress bar.
 * Called on the downloading thread: once when a file starts (bytes done may be non-zero when a
 * partial download is resumed), after each chunk, and once with {@code bytesDone == totalBytes}
 * when it is complete (also for a file that was already in the cache).
 */
@FunctionalInterface
public interface DownloadProgress {
  /** Reports nothing. */
  DownloadProgress NONE = (file, bytesDone, totalBytes) -> {};

  /**
   * @param file the file's name in the repository
   * @param bytesDone bytes of the file on disk so far
   * @param totalBytes the file's size, or -1 when the server did not say
   */
  void update(String file, long bytesDone, long totalBytes);
}
