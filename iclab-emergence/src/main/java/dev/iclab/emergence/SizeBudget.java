package dev.iclab.emergence;

import dev.iclab.IclabException;
import dev.iclab.tensor.MachineMemory;

/**
 * Checks a run's sizes before anything is allocated: every Java array must stay within int
 * indexing, and a rough estimate of the memory the run needs must fit the machine. Without it,
 * extreme --classes, --item-dim, --eval-size, --labels or --width ran for minutes and then died
 * with an OutOfMemoryError or a negative array size.
 */
final class SizeBudget {
  private SizeBudget() {}

  static void check(RunSpec spec) {
    var data = spec.data();
    double tokens = 2.0 * data.contextPairs() + 1; // interleaved, the longer format
    double itemDim =
        spec.items().equals("omniglot")
            ? (double) spec.imageSide() * spec.imageSide()
            : spec.itemDim();
    double inputDim = itemDim + data.labels();
    double classes = (double) data.classes() + data.holdoutClasses();
    double eval = spec.train().evalSize();
    double batch = spec.train().batchSize();
    if (spec.items().equals("gaussian")) {
      requireArray("the item prototypes", classes * itemDim, "--classes or --item-dim");
    }
    requireArray(
        "the class-label table",
        data.classes() * (double) data.labelsPerClass(),
        "--classes or --labels-per-class");
    requireArray("an evaluation set", eval * tokens * inputDim, "--eval-size or --item-dim");
    requireArray("a training batch", batch * tokens * inputDim, "--batch or --item-dim");
    double width = spec.width();
    double parameters =
        spec.layers() * 12.0 * width * width + (inputDim + data.labels() + tokens) * width;
    double modelBytes = 4 * 4 * parameters; // weights, gradients and two Adam moments, FP32
    double dataBytes = 4 * (3 * eval * tokens * inputDim + classes * itemDim);
    double activationBytes =
        4 * batch * tokens * (inputDim + spec.layers() * (16 * width + spec.heads() * tokens));
    double total = modelBytes + dataBytes + activationBytes;
    long physical = MachineMemory.totalBytes();
    if (physical > 0 && total > physical) {
      throw new IclabException(
          "these sizes need about %s (model %s, data %s, activations %s) but this machine has %s; lower --layers/--width, --classes/--item-dim/--eval-size or --batch"
              .formatted(
                  MachineMemory.gib(total),
                  MachineMemory.gib(modelBytes),
                  MachineMemory.gib(dataBytes),
                  MachineMemory.gib(activationBytes),
                  MachineMemory.gib(physical)));
    }
  }

  private static void requireArray(String what, double elements, String flags) {
    if (elements > Integer.MAX_VALUE - 8) {
      throw new IclabException(
          "%s would hold %.3g values, more than one array can (%d); lower %s"
              .formatted(what, elements, Integer.MAX_VALUE - 8, flags));
    }
  }
}
