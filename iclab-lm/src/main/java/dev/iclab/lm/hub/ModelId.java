package dev.iclab.lm.hub;

import dev.iclab.IclabException;
import java.util.regex.Pattern;

/**
 * A hub repository id with a revision: {@code gpt2}, {@code org/name}, {@code org/name@v1.0}.
 *
 * @param repoId {@code name} or {@code org/name}
 * @param revision a branch, tag or commit hash; {@code main} when none was given
 */
public record ModelId(String repoId, String revision) {
  /** The revision a hub id without {@code @revision} refers to. */
  public static final String DEFAULT_REVISION = "main";

  // huggingface_hub's validate_repo_id: word characters, '-' and '.', one optional "org/".
  private static final Pattern REPO_ID = Pattern.compile("([\\w.-]+/)?[\\w.-]+");
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

  /**
   * @throws IllegalArgumentException for an id huggingface_hub would reject, or a revision that
   *     could escape the cache folder
   */
  public ModelId {
    if (!isRepoId(repoId)) {
      throw new IllegalArgumentException(
          "'%s' is not a hub repository id; use name or org/name, e.g. openai-community/gpt2"
              .formatted(repoId));
    }
    if (revision.isBlank()
        || revision.startsWith("/")
        || revision.contains("\\")
        || revision.contains("..")) {
      throw new IllegalArgumentException(
          "'%s' is not a usable revision; use a branch, tag or commit hash".formatted(revision));
    }
  }

  /**
   * Parses {@code org/name} or {@code org/name@revision}.
   *
   * @throws IclabException when the text is not a hub id (it is user input, e.g. {@code --model})
   */
  public static ModelId parse(String text) {
    int at = text.indexOf('@');
    String repoId = at < 0 ? text : text.substring(0, at);
    String revision = at < 0 ? DEFAULT_REVISION : text.substring(at + 1);
    try {
      return new ModelId(repoId, revision);
    } catch (IllegalArgumentException e) {
      throw new IclabException(
          "'%s' is neither a model directory nor a hub id: %s".formatted(text, e.getMessage()), e);
    }
  }

  /** Whether {@code text} (without {@code @revision}) has the shape of a hub repository id. */
  static boolean isRepoId(String text) {
    return REPO_ID.matcher(text).matches()
        && !text.contains("--")
        && !text.contains("..")
        && text.length() <= 96;
  }

  /** Whether the revision is a full commit hash rather than a branch or tag name. */
  public boolean isCommit() {
    return COMMIT.matcher(revision).matches();
  }

  /** The repository's folder in the hub cache: {@code models--org--name}. */
  public String cacheFolderName() {
    return "models--" + repoId.replace("/", "--");
  }

  @Override
  public String toString() {
    return DEFAULT_REVISION.equals(revision) ? repoId : repoId + "@" + revision;
  }
}
