package dev.iclab.tensor;

import java.lang.management.ManagementFactory;

/** The machine's physical memory, for refusing sizes that cannot fit before allocating them. */
public final class MachineMemory {
  private MachineMemory() {}

  /** Total physical memory in bytes, or 0 when the platform does not say. */
  public static long totalBytes() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getTotalMemorySize();
    }
    return 0;
  }

  /** Bytes as GiB with one decimal, for messages. */
  public static String gib(double bytes) {
    return String.format(java.util.Locale.ROOT, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
  }
}
