package dev.iclab.cli;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.IclabException;
import dev.iclab.experiments.RunEnvironment;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.config.AttentionVariant;
import dev.iclab.tune.Trainer;
import dev.iclab.tune.pretrain.PretrainConfig;
import dev.iclab.tune.pretrain.Pretraining;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code iclab pretrain}: trains a causal LM from scratch (the work is in {@link Pretraining}). */
@Command(
    name = "pretrain",
    defaultValueProvider = PretrainCommand.Defaults.class,
    description =
        "Train a causal LM (Llama- or GPT-2-shaped) from scratch on a text file, one document per"
            + " line, with standard or momentum attention (Dai et al.'s MoAttn), and write a Hugging"
            + " Face checkpoint (config.json, model.safetensors, tokenizer files) that every iclab"
            + " command loads, with metrics.jsonl, run.json, loss.png and report.html. The seed"
            + " fixes the initial weights and the data order, whatever the attention.")
public final class PretrainCommand extends CliCommand {
  @Mixin RunOptions run;
  @Mixin TrainingOptions training;
  @Mixin ThreadsMixin threads;

  @Option(
      names = "--arch",
      defaultValue = "llama",
      description = "llama or gpt2 (default: ${DEFAULT-VALUE}).")
  String arch;

  @Option(
      names = "--layers",
      defaultValue = "2",
      description = "Layers (default: ${DEFAULT-VALUE}).")
  int layers;

  @Option(
      names = "--hidden",
      defaultValue = "128",
      description = "Model width (default: ${DEFAULT-VALUE}).")
  int hidden;

  @Option(
      names = "--heads",
      defaultValue = "4",
      description = "Attention heads (default: ${DEFAULT-VALUE}).")
  int heads;

  @Option(
      names = "--context",
      defaultValue = "128",
      description = "Context window and training sequence length (default: ${DEFAULT-VALUE}).")
  int context;

  @Option(
      names = "--tokenizer",
      required = true,
      paramLabel = "DIR",
      description = "Directory with a tokenizer.json (e.g. ../shared/models/tinystories-656k).")
  Path tokenizer;

  @Option(
      names = "--data",
      required = true,
      paramLabel = "FILE",
      description = "Training text, one document per line.")
  Path data;

  @Option(names = "--valid", paramLabel = "FILE", description = "Validation text (perplexity).")
  Path valid;

  @Option(
      names = "--steps",
      defaultValue = "1000",
      description = "Optimizer steps (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--eval-every",
      defaultValue = "0",
      description = "Validation perplexity every N steps (always before and after; needs --valid).")
  int evalEvery;

  @Option(
      names = "--eval-windows",
      defaultValue = "64",
      description =
          "Validation windows scored, spread over --valid; 0 for all (default: ${DEFAULT-VALUE}).")
  int evalWindows;

  @Option(
      names = "--attention",
      defaultValue = "standard",
      description = "standard or momentum (default: ${DEFAULT-VALUE}).")
  String attention;

  @Option(
      names = "--momentum-eta",
      paramLabel = "ETA",
      description = "Momentum decay in [0, 1) for --attention momentum (default: 0.9).")
  Double momentumEta;

  @Option(names = "--json", description = "Print the summary as JSON.")
  boolean json;

  @Override
  protected void execute() {
    PretrainConfig config =
        new PretrainConfig(
            arch,
            layers,
            hidden,
            heads,
            context,
            attentionVariant(),
            tokenizer,
            data,
            valid,
            steps,
            training.batchSize,
            training.lr,
            training.warmupSteps,
            training.weightDecay,
            training.clipNorm,
            evalEvery,
            evalWindows,
            training.saveEvery,
            training.seed);
    ObjectNode environment = Json.object();
    environment.set("versions", RunEnvironment.versions());
    environment.put("threads", threads.threads());
    Pretraining.Summary[] summary = new Pretraining.Summary[1];
    try (Progress bar = new Progress()) {
      threads.run(
          () ->
              summary[0] =
                  Pretraining.run(config, run.out(), run.resume(), Device.cpu(), environment, bar));
    }
    PrintWriter stdout = out();
    if (json) {
      Json.print(stdout, summary[0].toJson());
    } else {
      Pretraining.Summary s = summary[0];
      stdout.printf(
          "pretrain %s (%s attention, %,d parameters): loss %.4f -> %.4f over %d steps, valid perplexity %.2f, %.0f tok/s; wrote %s%n",
          arch,
          config.attention(),
          s.parameters(),
          s.firstLoss(),
          s.lastLoss(),
          s.steps(),
          s.validPerplexity(),
          s.tokens() / s.seconds(),
          run.out());
      stdout.flush();
    }
  }

  private AttentionVariant attentionVariant() {
    return switch (attention) {
      case "standard" -> {
        if (momentumEta != null) {
          throw new IclabException("--momentum-eta applies to --attention momentum only");
        }
        yield AttentionVariant.STANDARD;
      }
      case "momentum" -> AttentionVariant.momentum(momentumEta == null ? 0.9 : momentumEta);
      default ->
          throw new IclabException(
              "--attention must be standard or momentum, got '%s'".formatted(attention));
    };
  }

  /** The progress bar on stderr, opened when training starts. */
  private static final class Progress extends BarListener implements Pretraining.Listener {
    private double perplexity = Double.NaN;

    @Override
    public void started(int startStep, int totalSteps, long parameters) {
      open("pretrain", totalSteps, " steps");
      bar.stepTo(startStep);
    }

    @Override
    public void evaluated(int step, double validPerplexity) {
      perplexity = validPerplexity;
    }

    @Override
    public void stepped(Trainer.Progress p, double validPerplexity) {
      if (!Double.isNaN(validPerplexity)) {
        perplexity = validPerplexity;
      }
      bar.stepTo(p.step());
      bar.setExtraMessage(
          " loss %.3f lr %.1e %.0f tok/s%s"
              .formatted(
                  p.loss(),
                  p.lr(),
                  p.tokensPerSecond(),
                  Double.isNaN(perplexity) ? "" : " valid ppl %.1f".formatted(perplexity)));
    }

    @Override
    public void finished(CausalLM model) {
      close();
    }
  }

  /** pretrain's defaults of the shared training flags. */
  static final class Defaults extends OptionDefaults {
    Defaults() {
      super(
          Map.of(
              "--lr", "1e-3", "--warmup-steps", "100", "--batch-size", "16", "--save-every", "0"));
    }
  }
}
