package dev.iclab.emergence;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.iclab.IclabException;
import dev.iclab.emergence.data.DataDistribution;
import dev.iclab.emergence.data.TokenFormat;
import dev.iclab.emergence.model.Architecture;
import dev.iclab.emergence.train.TrainConfig;

/**
 * Everything that defines one emergence run; written to run.json as the resolved config.
 *
 * @param name short name of the run (its folder in a sweep)
 * @param items item source: {@code gaussian} or {@code omniglot}
 * @param itemDim dimension of a Gaussian item vector
 * @param omniglotDir the Omniglot folder (omniglot items only)
 * @param imageSide Omniglot images are downsampled to imageSide x imageSide
 * @param augment multiply Omniglot classes by 8 with rotations and flips
 * @param format how pairs become tokens
 * @param data the training distribution
 * @param arch model architecture
 * @param layers transformer blocks or recurrent layers
 * @param heads attention heads
 * @param width model width
 * @param train optimisation settings
 * @param seed master seed: data, items, init and evaluation sets derive from it
 * @param momentumEta momentum attention's decay (Dai et al.'s MoAttn), 0 for standard attention;
 *     left out of run.json when 0, so standard runs record what they did before momentum existed
 */
public record RunSpec(
    String name,
    String items,
    int itemDim,
    String omniglotDir,
    int imageSide,
    boolean augment,
    TokenFormat format,
    DataDistribution data,
    Architecture arch,
    int layers,
    int heads,
    int width,
    TrainConfig train,
    long seed,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) double momentumEta) {
  public RunSpec {
    if (name == null || !name.matches("[A-Za-z0-9._=,-]+")) {
      throw new IclabException(
          "run name '%s' must be letters, digits and . _ = , - only (it names a folder)"
              .formatted(name));
    }
    if (!"gaussian".equals(items) && !"omniglot".equals(items)) {
      throw new IclabException(
          "--data %s is not available; use --data gaussian or --data omniglot".formatted(items));
    }
    if (itemDim < 1) {
      throw new IclabException("--item-dim must be >= 1, got " + itemDim);
    }
    if (train.lossOnAllLabels() && format != TokenFormat.INTERLEAVED) {
      throw new IclabException(
          "--loss-all-labels needs --format interleaved (a paired token already holds its label)");
    }
    if (layers < 1 || width < 1 || heads < 1) {
      throw new IclabException(
          "--layers, --width and --heads must be >= 1, got %d, %d, %d"
              .formatted(layers, width, heads));
    }
    if (momentumEta != 0 && arch != Architecture.TRANSFORMER) {
      throw new IclabException(
          "--attention momentum needs --arch transformer (an %s has no attention)"
              .formatted(arch.name().toLowerCase(java.util.Locale.ROOT)));
    }
    if (items.equals("omniglot") && imageSide < 1) {
      throw new IclabException("--image-side must be >= 1, got " + imageSide);
    }
  }
}
