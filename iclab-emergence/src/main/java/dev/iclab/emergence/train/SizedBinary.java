package dev.iclab.emergence.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.IclabException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A binary file and the JSON written after it that records its size ({@code "bytes"}), as {@link
 * Checkpoint} and {@link KeptWeights} store arrays: the JSON marks the binary complete.
 *
 * @param meta the JSON
 * @param bytes the binary, as long as the JSON says
 */
record SizedBinary(JsonNode meta, byte[] bytes) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Reads both files and checks the binary's size.
   *
   * @param mismatch the message when the sizes differ, formatted with the binary, its size, the
   *     JSON and the size it records
   * @throws IclabException when the sizes differ
   * @throws IOException when a file cannot be read or the JSON does not parse
   */
  static SizedBinary read(Path json, Path bin, String mismatch) throws IOException {
    JsonNode meta = JSON.readTree(json.toFile());
    byte[] bytes = Files.readAllBytes(bin);
    long recorded = meta.path("bytes").asLong(-1);
    if (bytes.length != recorded) {
      throw new IclabException(mismatch.formatted(bin, bytes.length, json, recorded));
    }
    return new SizedBinary(meta, bytes);
  }
}
