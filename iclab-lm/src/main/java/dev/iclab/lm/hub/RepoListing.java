package dev.iclab.lm.hub;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iclab.IclabException;
import dev.iclab.lm.ModelFiles;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The commit a revision points to and the files iclab needs from it, read from the hub's {@code
 * /api/models/{id}/revision/{rev}} answer.
 *
 * <p>Only top-level files are taken: configs, tokenizer files and safetensors weights. Other weight
 * formats ({@code .bin}, {@code .h5}, {@code .msgpack}, ONNX, GGUF) and subfolders, which hold
 * alternative copies, are skipped since iclab reads safetensors only.
 *
 * @param commit the 40-hex commit hash; names the snapshot folder
 * @param files the files to fetch, in listing order
 */
record RepoListing(String commit, List<String> files) {
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
  private static final Set<String> NEEDED =
      Set.copyOf(
          ModelFiles.join(
              ModelFiles.CONFIG,
              ModelFiles.join(ModelFiles.TOKENIZER, List.of("model.safetensors.index.json"))));

  RepoListing {
    if (!COMMIT.matcher(commit).matches()) {
      throw new IllegalArgumentException("not a commit hash: " + commit);
    }
    files = List.copyOf(files);
  }

  /**
   * @throws IclabException when the answer has no commit hash, no config.json or no safetensors
   *     weights
   */
  static RepoListing parse(JsonNode answer, ModelId id, String url) {
    String commit = answer.path("sha").asText("");
    if (!COMMIT.matcher(commit).matches()) {
      throw new IclabException(
          "the hub's answer for %s at %s has no commit hash (sha); is HF_ENDPOINT a Hugging Face hub?"
              .formatted(id, url));
    }
    List<String> files = new ArrayList<>();
    List<String> all = new ArrayList<>();
    for (JsonNode sibling : answer.path("siblings")) {
      String name = sibling.path("rfilename").asText("");
      all.add(name);
      if (needed(name)) {
        files.add(name);
      }
    }
    if (!files.contains("config.json")) {
      throw new IclabException(
          "%s at revision %s has no config.json, so it is not a transformers model; files: %s"
              .formatted(id.repoId(), id.revision(), all));
    }
    if (files.stream().noneMatch(name -> name.endsWith(".safetensors"))) {
      throw new IclabException(
          ("%s at revision %s has no .safetensors weights (files: %s); iclab reads safetensors"
                  + " only. Pick a revision or repository with safetensors weights, or convert"
                  + " the checkpoint with transformers' save_pretrained(safe_serialization=True).")
              .formatted(id.repoId(), id.revision(), all));
    }
    return new RepoListing(commit, files);
  }

  static boolean needed(String name) {
    return !name.contains("/")
        && !name.contains("\\")
        && (NEEDED.contains(name) || name.endsWith(".safetensors"));
  }
}
