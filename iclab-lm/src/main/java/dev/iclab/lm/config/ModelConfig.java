package dev.iclab.lm.config;

import java.util.List;

/**
 * What every causal LM shares, whatever its architecture.
 *
 * @param modelType config.json's {@code model_type}
 * @param contextLength the longest sequence the model was trained for (max_position_embeddings)
 * @param eosTokenIds end-of-sequence ids (config.json, else generation_config.json); may be empty
 * @param attention standard or momentum attention (config.json's {@value AttentionVariant#KEY})
 */
public record ModelConfig(
    String modelType,
    int vocabSize,
    int hiddenSize,
    int numLayers,
    int numHeads,
    int numKeyValueHeads,
    int headDim,
    int intermediateSize,
    int contextLength,
    boolean tiedEmbeddings,
    Integer bosTokenId,
    List<Integer> eosTokenIds,
    AttentionVariant attention) {
  public ModelConfig {
    if (vocabSize < 1 || hiddenSize < 1 || numLayers < 1 || numHeads < 1 || headDim < 1) {
      throw new ConfigException(
          "impossible model sizes: vocab %d, hidden %d, layers %d, heads %d, head dim %d"
              .formatted(vocabSize, hiddenSize, numLayers, numHeads, headDim));
    }
    if (numKeyValueHeads < 1 || numHeads % numKeyValueHeads != 0) {
      throw new ConfigException(
          "num_key_value_heads %d must divide num_attention_heads %d"
              .formatted(numKeyValueHeads, numHeads));
    }
    eosTokenIds = List.copyOf(eosTokenIds);
    if (attention == null) {
      throw new IllegalArgumentException(
          "attention variant is null; use AttentionVariant.STANDARD");
    }
  }
}
