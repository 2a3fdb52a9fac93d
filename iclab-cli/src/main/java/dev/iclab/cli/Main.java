package dev.iclab.cli;

/** The {@code iclab} launcher's entry point. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(IclabCommand.run(System.out, System.err, args));
  }
}
