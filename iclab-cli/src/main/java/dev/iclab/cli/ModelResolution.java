package dev.iclab.cli;

import dev.iclab.emergence.report.ProgressConsumers;
import dev.iclab.lm.hub.DownloadProgress;
import dev.iclab.lm.hub.HubDownloader;
import dev.iclab.lm.hub.HubEnvironment;
import dev.iclab.lm.hub.ModelLocator;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Turns a --model value into a model directory: a directory, or a hub id in the local cache. */
final class ModelResolution {
  private ModelResolution() {}

  static Path resolve(String model, boolean download) {
    HubEnvironment environment = HubEnvironment.fromSystem();
    ModelLocator locator = new ModelLocator(environment);
    if (!download) {
      return locator.resolve(model);
    }
    try (FileBars bars = new FileBars()) {
      return locator.resolveOrDownload(model, new HubDownloader(environment), bars);
    }
  }

  /** One progress bar per downloaded file, on stderr. */
  private static final class FileBars implements DownloadProgress, AutoCloseable {
    private final Map<String, ProgressBar> bars = new HashMap<>();

    @Override
    public void update(String file, long bytesDone, long totalBytes) {
      ProgressBar bar =
          bars.computeIfAbsent(
              file,
              f ->
                  new ProgressBarBuilder()
                      .setTaskName(f)
                      .setInitialMax(Math.max(totalBytes, 0))
                      .setUnit(" MiB", 1 << 20)
                      .setStyle(ProgressBarStyle.ASCII)
                      .setConsumer(ProgressConsumers.forStream(System.err, true))
                      .showSpeed()
                      .build());
      bar.stepTo(bytesDone);
      if (totalBytes >= 0 && bytesDone >= totalBytes) {
        bars.remove(file).close();
      }
    }

    @Override
    public void close() {
      bars.values().forEach(ProgressBar::close);
    }
  }
}
