package dev.iclab.experiments;

import ai.djl.engine.Engine;

/** Versions recorded next to every run's results. */
public final class Versions {
  private Versions() {}

  public static String iclab() {
    String v = Versions.class.getPackage().getImplementationVersion();
    return v == null ? "dev (not the packaged jar)" : v;
  }

  public static String djl() {
    return Engine.getDjlVersion();
  }
}
