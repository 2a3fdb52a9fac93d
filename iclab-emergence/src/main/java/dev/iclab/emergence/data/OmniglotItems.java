package dev.iclab.emergence.data;

import dev.iclab.IclabException;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;

/**
 * Omniglot characters as items: a drawing, downsampled to {@code side x side} ink fractions (1 =
 * ink), optionally rotated/flipped, plus Gaussian pixel noise.
 *
 * <p>The last {@code holdoutClasses} characters (by id, so from the evaluation alphabets) are the
 * holdout classes and are never augmented or trained on. With augmentation, training class {@code
 * c} is base character {@code c % base} under transform {@code c / base} (4 rotations x optional
 * horizontal flip = 8), so the first {@code base} classes are the unaugmented characters.
 */
public final class OmniglotItems implements ItemSource {
  /**
   * Transforms when augmenting: rotations by 0, 90, 180, 270 degrees, each with and without flip.
   */
  public static final int AUGMENTATIONS = 8;

  private static final int DRAWINGS = 20;

  private final int side;
  private final int base;
  private final int trainClasses;
  private final double noise;
  private final int exemplars;
  private final float[][][] pixels; // [base + holdout][drawing][side * side]

  /**
   * Loads the needed images.
   *
   * @param classes training classes the run samples from (at most base x augmentations)
   * @throws IclabException when there are too few characters or an image cannot be decoded
   */
  public OmniglotItems(
      OmniglotIndex index,
      int side,
      boolean augment,
      int classes,
      int holdoutClasses,
      double noise,
      int exemplars) {
    List<OmniglotIndex.Character> characters = index.characters();
    if (side < 4 || side > 105) {
      throw new IclabException("--image-side must be in [4, 105], got " + side);
    }
    if (holdoutClasses >= characters.size()) {
      throw new IclabException(
          "%d holdout classes leave no Omniglot character for training (%d characters in %s)"
              .formatted(holdoutClasses, characters.size(), index.root()));
    }
    this.side = side;
    this.base = characters.size() - holdoutClasses;
    int available = base * (augment ? AUGMENTATIONS : 1);
    if (classes > available) {
      throw new IclabException(
          "--classes %d exceeds the %d Omniglot training classes (%d characters%s); lower --classes%s"
              .formatted(
                  classes,
                  available,
                  base,
                  augment ? " x 8 rotations/flips" : "",
                  augment ? "" : " or turn on augmentation"));
    }
    this.trainClasses = available;
    this.noise = noise;
    this.exemplars = exemplars == 0 ? DRAWINGS : Math.min(exemplars, DRAWINGS);
    this.pixels = new float[base + holdoutClasses][][];
    int usedBase = Math.min(base, classes);
    IntStream.range(0, base + holdoutClasses)
        .parallel()
        .filter(i -> i < usedBase || i >= base)
        .forEach(i -> pixels[i] = load(characters.get(i), side));
  }

  private static float[][] load(OmniglotIndex.Character character, int side) {
    float[][] drawings = new float[character.drawings().size()][];
    for (int d = 0; d < drawings.length; d++) {
      drawings[d] = downsample(read(character.drawings().get(d)), side);
    }
    return drawings;
  }

  /** Decodes a PNG, failing with the file's name when it is not a readable image. */
  static BufferedImage read(Path png) {
    try {
      BufferedImage image = ImageIO.read(png.toFile());
      if (image == null) {
        throw new IclabException(
            "%s is not a readable image (no decoder recognised it); restore the file from the Omniglot source (see SOURCE.txt)"
                .formatted(png));
      }
      return image;
    } catch (IOException e) {
      throw new IclabException(
          "cannot read Omniglot image %s: %s; restore the file (see SOURCE.txt)"
              .formatted(png, e.getMessage()),
          e);
    }
  }

  /** Ink fraction per cell of a side x side grid (FORMAT.txt: sample 0 = ink, 1 = background). */
  static float[] downsample(BufferedImage image, int side) {
    Raster raster = image.getRaster();
    int w = image.getWidth();
    int h = image.getHeight();
    float[] out = new float[side * side];
    for (int r = 0; r < side; r++) {
      int y0 = r * h / side;
      int y1 = Math.max(y0 + 1, (r + 1) * h / side);
      for (int c = 0; c < side; c++) {
        int x0 = c * w / side;
        int x1 = Math.max(x0 + 1, (c + 1) * w / side);
        int ink = 0;
        for (int y = y0; y < y1; y++) {
          for (int x = x0; x < x1; x++) {
            ink += raster.getSample(x, y, 0) == 0 ? 1 : 0;
          }
        }
        out[r * side + c] = (float) ink / ((y1 - y0) * (x1 - x0));
      }
    }
    return out;
  }

  @Override
  public int dim() {
    return side * side;
  }

  public int side() {
    return side;
  }

  /** Training classes available (with augmentation, 8 per base character). */
  public int trainClasses() {
    return trainClasses;
  }

  @Override
  public void item(int cls, boolean holdout, long drawSeed, float[] out, int offset) {
    int character = holdout ? base + cls : cls % base;
    int transform = holdout ? 0 : cls / base;
    SplittableRandom rng = new SplittableRandom(drawSeed);
    float[] drawing = pixels[character][rng.nextInt(exemplars)];
    for (int r = 0; r < side; r++) {
      for (int c = 0; c < side; c++) {
        float v = drawing[source(transform, r, c)];
        out[offset + r * side + c] = noise == 0 ? v : (float) (v + noise * rng.nextGaussian());
      }
    }
  }

  /** Index in the original grid of output cell (r, c) under a transform (flip, then rotate). */
  private int source(int transform, int r, int c) {
    int rr = r;
    int cc = c;
    for (int k = 0; k < transform % 4; k++) { // undo one 90-degree clockwise rotation
      int t = rr;
      rr = side - 1 - cc;
      cc = t;
    }
    if (transform >= 4) {
      cc = side - 1 - cc;
    }
    return rr * side + cc;
  }
}
