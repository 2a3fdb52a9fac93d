package dev.iclab.emergence.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.pooling.Pool;

/**
 * The paper's small ResNet image embedder: a 3x3 stem to 16 channels, then four residual blocks of
 * 16, 32, 32, 64 channels (strides 1, 2, 2, 2), global average pooling to a 64-d embedding.
 *
 * <p>There is no batch normalisation (its running statistics would make evaluation depend on batch
 * composition); instead each block's second convolution starts at a tenth of its He scale, so the
 * blocks start near the identity and the stack trains stably.
 */
final class ResNetEmbedder {
  static final int OUTPUT = 64;
  private static final int[] CHANNELS = {16, 32, 32, 64};
  private static final int[] STRIDES = {1, 2, 2, 2};

  private final int side;
  private final NDArray stemWeight; // [16, 1, 3, 3]
  private final NDArray stemBias; // [16]
  private final NDArray[][] blocks; // per block: conv1 w, b, conv2 w, b, shortcut w (or null)

  ResNetEmbedder(ParameterStore params, int side) {
    this.side = side;
    stemWeight = params.normal("resnet.stem.weight", Math.sqrt(2.0 / 9), CHANNELS[0], 1, 3, 3);
    stemBias = params.constant("resnet.stem.bias", 0f, CHANNELS[0]);
    blocks = new NDArray[CHANNELS.length][];
    int in = CHANNELS[0];
    for (int i = 0; i < CHANNELS.length; i++) {
      int out = CHANNELS[i];
      String p = "resnet.block" + i + ".";
      blocks[i] =
          new NDArray[] {
            params.normal(p + "conv1.weight", Math.sqrt(2.0 / (9 * in)), out, in, 3, 3),
            params.constant(p + "conv1.bias", 0f, out),
            params.normal(p + "conv2.weight", 0.1 * Math.sqrt(2.0 / (9 * out)), out, out, 3, 3),
            params.constant(p + "conv2.bias", 0f, out),
            in == out && STRIDES[i] == 1
                ? null
                : params.normal(p + "shortcut.weight", Math.sqrt(1.0 / in), out, in, 1, 1)
          };
      in = out;
    }
  }

  /** Parameter count for images of any size (convolutions do not depend on it). */
  static long parameterCount() {
    long total = CHANNELS[0] * 9L + CHANNELS[0];
    int in = CHANNELS[0];
    for (int i = 0; i < CHANNELS.length; i++) {
      int out = CHANNELS[i];
      total += (long) out * in * 9 + out + (long) out * out * 9 + out;
      if (in != out || STRIDES[i] != 1) {
        total += (long) out * in;
      }
      in = out;
    }
    return total;
  }

  /**
   * @param images [n, side * side] pixel vectors
   * @return [n, 64]
   */
  NDArray embed(NDArray images) {
    long n = images.getShape().get(0);
    NDArray x = images.reshape(n, 1, side, side); // [n, 1, side, side]
    Shape one = new Shape(1, 1);
    x = Activation.relu(conv(x, stemWeight, stemBias, one, one)); // [n, 16, side, side]
    for (int i = 0; i < blocks.length; i++) {
      NDArray[] b = blocks[i];
      Shape stride = new Shape(STRIDES[i], STRIDES[i]);
      NDArray y = Activation.relu(conv(x, b[0], b[1], stride, one)); // [n, out, h / s, w / s]
      y = conv(y, b[2], b[3], one, one); // [n, out, h / s, w / s]
      NDArray shortcut =
          b[4] == null ? x : conv(x, b[4], null, stride, new Shape(0, 0)); // [n, out, h/s, w/s]
      x = Activation.relu(y.add(shortcut));
    }
    return Pool.globalAvgPool2d(x).reshape(n, OUTPUT); // [n, 64]
  }

  private static NDArray conv(NDArray x, NDArray w, NDArray b, Shape stride, Shape padding) {
    return Conv2d.conv2d(x, w, b, stride, padding).singletonOrThrow();
  }
}
