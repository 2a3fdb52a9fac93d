package dev.iclab.lm.weights;

import dev.iclab.lm.ModelLoadException;
import java.nio.file.Path;
import java.util.Arrays;

/** Safetensors element types. Only floating types can hold weights; others are legacy buffers. */
public enum DType {
  F64(8),
  F32(4),
  F16(2),
  BF16(2),
  I64(8),
  I32(4),
  I16(2),
  I8(1),
  U8(1),
  BOOL(1),
  F8_E4M3(1),
  F8_E5M2(1);

  private final int bytes;

  DType(int bytes) {
    this.bytes = bytes;
  }

  /** Size of one element in bytes. */
  public int bytes() {
    return bytes;
  }

  /** Whether iclab can widen this type to FP32 weights. */
  public boolean isLoadableAsFloat() {
    return this == F32 || this == F16 || this == BF16 || this == F64;
  }

  /** Parses a safetensors dtype string; unknown ones fail naming the file and tensor. */
  public static DType parse(String name, Path file, String tensor) {
    for (DType type : values()) {
      if (type.name().equals(name)) {
        return type;
      }
    }
    throw new ModelLoadException(
        "tensor '%s' in %s has dtype '%s', which is not a safetensors dtype (known: %s); the file is corrupt or from an unsupported writer"
            .formatted(tensor, file, name, Arrays.toString(values())));
  }
}
