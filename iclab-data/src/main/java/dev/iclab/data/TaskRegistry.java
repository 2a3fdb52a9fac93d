package dev.iclab.data;

import dev.iclab.data.io.TaskFiles;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Tasks by name. The built-ins use Dai et al.'s templates and label words (SCIENCE.md §2), one
 * space before the answer and a newline between demonstrations, on the files of ../shared/data.
 *
 * <ul>
 *   <li>sst2: GLUE train (67,349 phrases) / GLUE dev (872).
 *   <li>sst5: train / dev; the data's {@code sentence} column fills the {@code {text}} slot.
 *   <li>mr, subj: one file without a split; a seeded split ({@link Task.HeldOut}: 2,000 held out,
 *       seed 1) gives the evaluation set.
 *   <li>subj: the data's label 0 is subjective, 1 objective, so the words are (subjective,
 *       objective) in label order.
 *   <li>agnews: the training sample has no titles, so both splits use the description only; the
 *       "Classify the news articles..." sentence is the instruction, placed once before the
 *       demonstrations.
 *   <li>cb: train / validation (56), as SuperGLUE-based ICL work does.
 *   <li>rte, trec: not in Dai et al.; templates in the same style (trec's instruction and label
 *       words follow Zhao et al. 2021).
 * </ul>
 */
public final class TaskRegistry {
  private final Map<String, Task> tasks;

  private TaskRegistry(Map<String, Task> tasks) {
    this.tasks = tasks;
  }

  /** The built-in tasks, declared in {@code builtin-tasks.yaml} beside this class. */
  public static TaskRegistry builtIn() {
    Map<String, Task> tasks = new LinkedHashMap<>();
    for (Task task : TaskFiles.readResource(TaskRegistry.class, "builtin-tasks.yaml")) {
      tasks.put(task.name(), task);
    }
    return new TaskRegistry(tasks);
  }

  public Set<String> names() {
    return tasks.keySet();
  }

  /**
   * @throws DatasetException naming the known tasks when {@code name} is not one
   */
  public Task get(String name) {
    Task task = tasks.get(name);
    if (task == null) {
      throw new DatasetException(
          "unknown task '%s'; built-in tasks: %s, or describe your own with --task-file FILE"
              .formatted(name, String.join(", ", tasks.keySet())));
    }
    return task;
  }
}
