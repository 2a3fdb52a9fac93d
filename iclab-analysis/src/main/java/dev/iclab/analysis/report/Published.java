package dev.iclab.analysis.report;

import java.util.Map;

/**
 * Dai et al. (2023)'s published figures as quoted in ../shared/docs/SCIENCE.md §2, shown beside a
 * run's numbers for comparison (never used to compute anything).
 */
final class Published {
  private Published() {}

  /** ZSL / FT / ICL accuracy (%) of GPT 2.7B, for the tasks SCIENCE.md quotes. */
  static final Map<String, double[]> ACCURACY_GPT_2_7B =
      Map.of("sst2", new double[] {71.4, 76.9, 95.0}, "agnews", new double[] {39.8, 65.7, 80.3});

  /** Average over the six tasks: 1.3B, 2.7B. */
  static final double[] REC2FTP = {85.56, 89.39};

  /** Average over the six tasks: 1.3B, 2.7B; the random baseline is near 0. */
  static final double[] SIMAOU = {0.186, 0.225};

  static final String SOURCE =
      "Dai et al. 2023 (ACL Findings), GPT 1.3B / 2.7B, as quoted in SCIENCE.md §2";
}
