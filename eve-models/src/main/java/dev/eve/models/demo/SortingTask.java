package dev.eve.models.demo;

import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;

import java.util.Arrays;

/**
 * A synthetic sequence task, deterministic from a seed: read {@code length} digits and output them
 * sorted, one prediction per position. Solving it needs attention across the whole sequence, so a
 * falling loss shows that the transformer stack learns.
 */
public final class SortingTask {

    private final int length, vocab;
    private final Generator gen;

    public SortingTask(int length, int vocab, long seed) {
        this.length = length;
        this.vocab = vocab;
        this.gen = new Generator(seed);
    }

    public int length() {
        return length;
    }

    public int vocab() {
        return vocab;
    }

    /** A batch: inputs [B, L] and targets [B, L] (I64). */
    public Tensor[] batch(int batchSize) {
        long[] in = new long[batchSize * length], out = new long[batchSize * length];
        for (int b = 0; b < batchSize; b++) {
            long[] row = new long[length];
            for (int i = 0; i < length; i++) row[i] = gen.nextInt(vocab);
            System.arraycopy(row, 0, in, b * length, length);
            Arrays.sort(row);
            System.arraycopy(row, 0, out, b * length, length);
        }
        return new Tensor[] {Tensor.of(in, batchSize, length), Tensor.of(out, batchSize, length)};
    }
}
