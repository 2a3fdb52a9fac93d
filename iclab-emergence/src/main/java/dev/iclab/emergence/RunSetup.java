package dev.iclab.emergence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.IclabException;
import dev.iclab.emergence.data.GaussianItems;
import dev.iclab.emergence.data.ItemSource;
import dev.iclab.emergence.data.OmniglotIndex;
import dev.iclab.emergence.data.OmniglotItems;
import dev.iclab.emergence.data.SequenceSampler;
import dev.iclab.emergence.data.TokenEncoder;
import dev.iclab.emergence.eval.Evaluator;
import dev.iclab.emergence.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a run spec determines besides the weights: the seeds, the data sampler, the items, the token
 * encoder and the model's shape. A run builds it once; an analysis of a finished run builds it
 * again from the run's run.json and gets the same data, items and evaluation sets.
 */
public record RunSetup(
    RunSpec spec,
    EmergenceRun.Seeds seeds,
    SequenceSampler sampler,
    ItemSource items,
    TokenEncoder encoder,
    ModelConfig modelConfig) {

  /** Builds everything from a spec (Omniglot items are read from the spec's folder). */
  public static RunSetup of(RunSpec spec) {
    EmergenceRun.Seeds seeds = EmergenceRun.Seeds.of(spec.seed());
    SequenceSampler sampler = new SequenceSampler(spec.data(), seeds.data());
    ItemSource items = items(spec, seeds);
    int imageSide = items instanceof OmniglotItems omniglot ? omniglot.side() : 0;
    TokenEncoder encoder = new TokenEncoder(items, spec.format(), spec.data().labels());
    ModelConfig modelConfig =
        new ModelConfig(
            spec.arch(),
            spec.layers(),
            spec.heads(),
            spec.width(),
            encoder.inputDim(),
            spec.data().labels(),
            spec.format().tokens(spec.data().contextPairs()),
            imageSide,
            spec.momentumEta());
    return new RunSetup(spec, seeds, sampler, items, encoder, modelConfig);
  }

  /** The run's fixed evaluation sets, as its training loop scores them. */
  public Evaluator evaluator() {
    return new Evaluator(sampler, encoder, spec.train().evalSize(), seeds.eval());
  }

  /**
   * The spec recorded in a run folder's run.json.
   *
   * @throws IclabException when the folder holds no emergence run
   */
  public static RunSpec readSpec(Path runFolder) {
    Path runJson = runFolder.resolve("run.json");
    if (!Files.exists(runJson)) {
      throw new IclabException(
          "%s has no run.json: not an emergence run folder; give the --out of an iclab emergence run"
              .formatted(runFolder));
    }
    try {
      JsonNode config = new ObjectMapper().readTree(runJson.toFile()).path("config");
      if (!config.has("arch") || !config.has("train")) {
        throw new IclabException(
            "%s is not the run.json of an iclab emergence run (no config.arch); give the --out of one"
                .formatted(runJson));
      }
      return new ObjectMapper().treeToValue(config, RunSpec.class);
    } catch (IOException e) {
      throw new IclabException("cannot read %s: %s".formatted(runJson, e.getMessage()), e);
    }
  }

  private static ItemSource items(RunSpec spec, EmergenceRun.Seeds seeds) {
    if (spec.items().equals("omniglot")) {
      return new OmniglotItems(
          OmniglotIndex.scan(Path.of(spec.omniglotDir())),
          spec.imageSide(),
          spec.augment(),
          spec.data().classes(),
          spec.data().holdoutClasses(),
          spec.data().noise(),
          spec.data().exemplarsPerClass());
    }
    return GaussianItems.of(spec.data(), spec.itemDim(), seeds.items());
  }
}
