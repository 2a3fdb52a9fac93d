package dev.iclab.emergence.model;

import ai.djl.ndarray.NDManager;

/**
 * What every {@link SequenceModel} holds: its config, the model-level manager it owns (closed with
 * the model) and the parameter store initialised from the seed.
 */
abstract class AbstractSequenceModel implements SequenceModel {
  protected final ModelConfig config;
  protected final NDManager manager;
  protected final ParameterStore params;

  AbstractSequenceModel(ModelConfig config, NDManager manager, long seed) {
    this.config = config;
    this.manager = manager;
    this.params = new ParameterStore(manager, seed);
  }

  @Override
  public final ModelConfig config() {
    return config;
  }

  @Override
  public final ParameterStore parameters() {
    return params;
  }

  @Override
  public final NDManager manager() {
    return manager;
  }

  @Override
  public final void close() {
    manager.close();
  }
}
