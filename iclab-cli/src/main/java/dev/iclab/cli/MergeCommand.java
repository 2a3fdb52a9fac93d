package dev.iclab.cli;

import dev.iclab.IclabException;
import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.tune.Tuner;
import dev.iclab.tune.TunerRegistry;
import dev.iclab.tune.lora.LoraTuner;
import dev.iclab.tune.peft.HfCheckpoints;
import dev.iclab.tune.qlora.QloraTuner;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code iclab merge}: folds a LoRA adapter into its base model and writes an HF checkpoint. */
@Command(
    name = "merge",
    description =
        "Merge a LoRA (or QLoRA) adapter into the base model's FP32 weights (W += alpha/r B A) and"
            + " write a Hugging Face checkpoint (config.json, tokenizer files, model.safetensors).")
public final class MergeCommand extends ModelCommand {

  @Option(
      names = "--adapter",
      required = true,
      paramLabel = "DIR",
      description = "PEFT LoRA adapter directory.")
  Path adapter;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "New output directory.")
  Path out;

  @Override
  protected void execute() {
    OutputDirectory.checkFresh(out);
    Path directory = modelOptions.directory();
    try (CausalLM model = ModelLoader.standard().load(directory, modelOptions.device(), true)) {
      // A QLoRA adapter is a PEFT LoRA adapter: merged into the FP32 originals, as PEFT users do
      // (loading it as QLoRA would quantise the base and release those originals).
      Tuner tuner =
          QloraTuner.isQlora(adapter)
              ? LoraTuner.load(model, adapter)
              : TunerRegistry.standard().loadAdapter(model, adapter);
      if (tuner instanceof LoraTuner lora) {
        lora.merge();
      } else {
        tuner.close();
        throw new IclabException(
            "%s is a %s adapter; only LoRA adapters can be merged into the weights"
                .formatted(adapter, tuner.peftType()));
      }
      tuner.close();
      OutputDirectory.write(out, temp -> HfCheckpoints.save(model, directory, temp));
      out().printf("merged %s into %s; wrote %s%n", adapter, directory, out);
      out().flush();
    }
  }
}
