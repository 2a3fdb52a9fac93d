package dev.iclab.tensor;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.iclab.IclabException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * Entry point of the tensor layer: starts the PyTorch engine offline and hands out root managers.
 *
 * <p>DJL must never reach the network here (native downloads, usage tracking), so the offline
 * switches are set before the engine class is first touched.
 */
public final class Tensors {
  private static volatile boolean started;

  private Tensors() {}

  /** Sets DJL's offline switches; idempotent, and harmless when they were already given. */
  public static void configureOffline() {
    System.setProperty("ai.djl.offline", "true");
    System.setProperty("offline", "true");
    if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
      System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }
  }

  /** The PyTorch engine, started offline on first use. */
  public static Engine engine() {
    if (!started) {
      synchronized (Tensors.class) {
        if (!started) {
          configureOffline();
          started = true;
        }
      }
    }
    return Engine.getEngine("PyTorch");
  }

  /** Restores the engine's previous intra-op thread count when closed. */
  public static final class ThreadSetting implements AutoCloseable {
    private final int previous;

    private ThreadSetting(int previous) {
      this.previous = previous;
    }

    @Override
    public void close() {
      JniUtils.setNumThreads(previous);
    }
  }

  /**
   * Sets PyTorch's intra-op thread count until the returned setting is closed (the setting is
   * process-wide, so whoever changes it puts it back).
   */
  public static ThreadSetting useThreads(int threads) {
    engine();
    int previous = JniUtils.getNumThreads();
    JniUtils.setNumThreads(threads);
    return new ThreadSetting(previous);
  }

  /** Restores the engine's previous gradient-recording mode when closed. */
  public static final class RecordingSetting implements AutoCloseable {
    private final boolean previous;

    private RecordingSetting(boolean previous) {
      this.previous = previous;
    }

    @Override
    public void close() {
      JniUtils.setGradMode(previous);
    }
  }

  /**
   * Stops recording operations for a backward pass on this thread until the returned setting is
   * closed: what runs meanwhile keeps no graph, even on arrays that require gradients (PyTorch's
   * {@code no_grad}). The mode is per thread, so this is explicit rather than relying on the mode
   * the engine set on the thread that started it.
   */
  public static RecordingSetting withoutRecording() {
    engine();
    boolean previous = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    return new RecordingSetting(previous);
  }

  /**
   * A new array in {@code manager} holding a copy of {@code values}, written through a direct view
   * of the array's own storage. DJL's {@code create(float[])} copies into a Java direct buffer that
   * the engine then uses, and such buffers are returned only when the garbage collector collects
   * them: over a whole model's worth of arrays that is gigabytes held for no use.
   */
  public static NDArray copyOf(NDManager manager, float[] values, Shape shape) {
    if (!manager.getDevice().equals(Device.cpu())) {
      return manager.create(values, shape);
    }
    NDArray array = manager.create(shape, DataType.FLOAT32);
    array.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer().put(values);
    return array;
  }

  /** As {@link #copyOf(NDManager, float[], Shape)} for one-byte types (UINT8, INT8). */
  public static NDArray copyOf(NDManager manager, byte[] values, Shape shape, DataType type) {
    if (type.getNumOfBytes() != 1) {
      throw new IllegalArgumentException("one-byte type expected, got " + type);
    }
    if (!manager.getDevice().equals(Device.cpu())) {
      return manager.create(ByteBuffer.wrap(values), shape, type);
    }
    NDArray array = manager.create(shape, type);
    array.toByteBuffer(true).put(values);
    return array;
  }

  /** Whether the engine records operations for a backward pass (inside a gradient collector). */
  public static boolean recordingGradients() {
    return JniUtils.isGradMode();
  }

  /** A new root manager on the given device; the caller closes it. */
  public static NDManager newManager(Device device) {
    return engine().newBaseManager(device);
  }

  /** A new root manager on the CPU; the caller closes it. */
  public static NDManager newManager() {
    return newManager(Device.cpu());
  }

  /**
   * Parses a device flag: {@code cpu}, {@code gpu} or {@code gpu:N}.
   *
   * @throws IclabException for anything else, or a GPU the engine does not see
   */
  public static Device device(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    if (n.equals("cpu")) {
      return Device.cpu();
    }
    if (n.equals("gpu") || n.startsWith("gpu:") || n.equals("cuda") || n.startsWith("cuda:")) {
      int index = n.contains(":") ? Integer.parseInt(n.substring(n.indexOf(':') + 1)) : 0;
      int available = engine().getGpuCount();
      if (index >= available) {
        throw new IclabException(
            "device '%s' asked for, but the engine sees %d GPU(s); use --device cpu, or install a CUDA build of the PyTorch native library"
                .formatted(name, available));
      }
      return Device.gpu(index);
    }
    throw new IclabException("unknown device '%s'; use cpu, gpu or gpu:N".formatted(name));
  }
}
