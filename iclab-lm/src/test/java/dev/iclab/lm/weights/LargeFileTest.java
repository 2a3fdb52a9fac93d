package dev.iclab.lm.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDManager;
import dev.iclab.tensor.Tensors;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files over 2 GiB (where DJL's own safetensors reader fails) load, tensor by tensor. */
class LargeFileTest {
  @TempDir Path dir;

  @Test
  void tensorBeyondTwoGibibytesLoads() throws IOException {
    long gap = (1L << 31) + 12_345; // a filler tensor pushes the next one past 2 GiB
    long fillerFloats = gap / 4;
    long fillerBytes = fillerFloats * 4;
    float[] tail = {1.5f, -2.25f, 3e-4f, 65504f};
    String header =
        ("{\"filler\":{\"dtype\":\"F32\",\"shape\":[%d],\"data_offsets\":[0,%d]},"
                + "\"tail\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[%d,%d]}}")
            .formatted(fillerFloats, fillerBytes, fillerBytes, fillerBytes + 16);
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    Path file = dir.resolve("model.safetensors");
    try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
      ByteBuffer length =
          ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length);
      out.write(length.array());
      out.write(json);
      long dataStart = 8 + json.length;
      out.setLength(dataStart + fillerBytes + 16); // sparse: the filler takes no disk space
      out.seek(dataStart + fillerBytes);
      ByteBuffer values = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
      for (float v : tail) {
        values.putFloat(v);
      }
      out.write(values.array());
    }
    try (Checkpoint checkpoint = Checkpoint.open(dir);
        NDManager manager = Tensors.newManager()) {
      assertArrayEquals(tail, checkpoint.load(manager, "tail", 4).toFloatArray());
    }
  }
}
