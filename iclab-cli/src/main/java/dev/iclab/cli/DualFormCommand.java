package dev.iclab.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.analysis.DualForm;
import dev.iclab.tensor.Tensors;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code iclab dual-form}: the numeric check of Dai et al.'s dual form on one linear-attention
 * layer, and its comparison with a back-propagated gradient-descent update.
 */
@Command(
    name = "dual-form",
    description =
        "Check that linear attention over [demonstrations; query] equals (W_ZSL + dW_ICL) q, and"
            + " compare dW_ICL with gradient-descent updates; prints JSON (matrices with --print).")
public final class DualFormCommand extends CliCommand {

  @Option(names = "--dim", defaultValue = "16", description = "Input size d (default 16).")
  int dim;

  @Option(names = "--head-dim", defaultValue = "8", description = "Key/value size (default 8).")
  int headDim;

  @Option(names = "--demo-tokens", defaultValue = "32", description = "Default 32.")
  int demoTokens;

  @Option(names = "--query-tokens", defaultValue = "6", description = "Default 6.")
  int queryTokens;

  @Mixin SeedOption seed;

  @Option(names = "--print", description = "Also print dW_ICL and both GD updates.")
  boolean printMatrices;

  @Override
  protected void execute() {
    Tensors.configureOffline();
    DualForm check = DualForm.check(dim, headDim, demoTokens, queryTokens, seed.seed());
    ObjectNode json = Json.object();
    json.put("d", dim).put("d_k", headDim).put("demo_tokens", demoTokens);
    json.put("query_tokens", queryTokens).put("seed", seed.seed());
    ObjectNode identity = json.putObject("identity");
    identity.put("relative_error", check.relativeError());
    identity.putPOJO("direct", check.direct());
    identity.putPOJO("dual", check.dual());
    ObjectNode gd = json.putObject("gradient_descent");
    gd.putObject("linear_loss")
        .put("loss", "-sum_i v_i . (W k_i), one step of rate 1 from W_ZSL")
        .put("cosine_with_dW_ICL", check.linearLossCosine())
        .put("relative_difference", check.linearLossRelativeDifference());
    gd.putObject("squared_loss")
        .put("loss", "1/2 sum_i |W k_i - v_i|^2, one step of rate 1 from W_ZSL")
        .put("cosine_with_dW_ICL", check.squaredLossCosine());
    if (printMatrices) {
      json.putPOJO("dW_ICL", check.deltaIcl());
      json.putPOJO("gd_linear_loss", check.gdLinearLoss());
      json.putPOJO("gd_squared_loss", check.gdSquaredLoss());
    }
    PrintWriter out = out();
    Json.print(out, json);
    spec.commandLine()
        .getErr()
        .printf(
            Locale.ROOT,
            "dual form: relative error %.3g; dW_ICL vs GD (linear loss) cosine %.12f, (squared loss) cosine %.4f%n",
            check.relativeError(),
            check.linearLossCosine(),
            check.squaredLossCosine());
  }
}
