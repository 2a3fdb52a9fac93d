package dev.iclab.lm.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.iclab.tensor.Ops;

/** A decoder's vocabulary projection: hidden states times the head's weight transposed. */
public final class Vocabulary {
  /** Up to this many rows, a packed pass's vocabulary projection runs weight-major. */
  private static final int FEW_ROWS = 32;

  private Vocabulary() {}

  /**
   * hidden [batch, rows, h] times head [vocab, h] transposed: [batch, rows, vocab]. A
   * packed-scoring pass ({@code packed}: {@link DecoderModel.Step#overwrites}) with 2 to {@value
   * #FEW_ROWS} scored rows computes it as head x hidden^T instead: for a handful of rows the usual
   * form read GPT-2's 50257 x 768 head markedly more slowly on the CPU the benchmarks ran on (one
   * thread).
   *
   * @param scope the pass's manager, which frees the weight-major product
   */
  public static NDArray project(NDManager scope, boolean packed, NDArray hidden, NDArray head) {
    Shape shape = hidden.getShape();
    long rows = shape.get(0) * shape.get(1);
    if (!packed || rows < 2 || rows > FEW_ROWS) {
      return Ops.linear(hidden, head, null);
    }
    NDArray flat = hidden.reshape(rows, shape.get(2)); // [rows, h]
    NDArray product = head.matMul(flat.transpose()); // [vocab, rows], in the head's manager
    product.attach(scope); // so that the pass's scope frees it
    return product
        .transpose()
        .reshape(shape.get(0), shape.get(1), head.getShape().get(0)); // [batch, rows, vocab]
  }
}
