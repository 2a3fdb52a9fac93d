package dev.iclab.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's memory and the machine's load, as Linux's /proc gives them; -1 elsewhere. */
final class ProcStatus {
  private ProcStatus() {}

  /** VmRSS: the resident set of this process, in bytes. */
  static long residentBytes() {
    return statusBytes("VmRSS:");
  }

  /** VmHWM: the peak resident set of this process, in bytes. */
  static long peakBytes() {
    return statusBytes("VmHWM:");
  }

  /** Resets VmHWM to the current resident size (Linux 4.0+); ignored elsewhere. */
  static void resetPeak() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
    } catch (IOException | RuntimeException e) {
      // the peak then covers the whole process; rss_before_mb tells
    }
  }

  /** The one-minute load average of the machine. */
  static double loadAverage() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** A line {@code KEY <n> kB} of /proc/self/status, in bytes. */
  private static long statusBytes(String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(key)) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }
}
