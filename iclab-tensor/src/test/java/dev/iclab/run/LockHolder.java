package dev.iclab.run;

import java.nio.file.Path;

/** A child process for the lock tests: locks a folder, says so, and holds it until killed. */
public final class LockHolder {
  private LockHolder() {}

  public static void main(String[] args) throws Exception {
    RunLock lock = RunLock.acquire(Path.of(args[0]));
    System.out.println("locked");
    System.out.flush();
    Thread.sleep(120_000); // the test kills this process long before
    lock.close();
  }
}
