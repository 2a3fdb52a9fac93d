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

  /**
   * CPU time of this whole process (all threads) in nanoseconds, or -1 where the JVM cannot tell.
   */
  static long cpuNanos() {
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  /**
   * Minor page faults of this process so far (field 10 of /proc/self/stat): memory the kernel had
   * to map in on first touch, e.g. a large array the allocator took fresh from the kernel.
   */
  static long minorFaults() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      // The command name (field 2) is in parentheses and may hold spaces: count from after it.
      String[] after = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
      return Long.parseLong(after[7]); // fields 3, 4, ... are after[0], after[1], ...
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
