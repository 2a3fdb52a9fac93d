package dev.iclab.cli;

import dev.iclab.experiments.Versions;
import picocli.CommandLine;

/** Reports iclab's version and the engine versions it runs on. */
final class VersionProvider implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    return new String[] {
      "iclab " + Versions.iclab(), "DJL " + Versions.djl(), "Java " + Runtime.version()
    };
  }
}
