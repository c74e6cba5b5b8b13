package dev.eve.models.data.masking;

import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;

/**
 * Which patches of each image the encoder sees (MAE's per-example random shuffle). Every image of a
 * batch masks the same number of patches, so the visible sequences have one length:
 * {@code masked = round(ratio x patches)}, at least one patch kept.
 *
 * @param idsKeep [B, K] I64: the kept patch indices, ascending (row-major grid order)
 * @param restore [B, P] I64: for each grid position, its row in {@code cat(kept, masked)} where both
 *                parts are in ascending order; the decoder gathers with it to put tokens back in place
 * @param masked  [B, P] F32: 1 for a masked patch, 0 for a visible one
 */
public record ImageMask(Tensor idsKeep, Tensor restore, Tensor masked) {

    /** Patches masked out of {@code patches} at a ratio in [0, 1): round(ratio x patches), capped to keep one. */
    public static int maskedCount(int patches, double ratio) {
        if (!(ratio >= 0 && ratio < 1)) throw new IllegalArgumentException("image mask ratio must be in [0, 1), got " + ratio);
        return Math.min(patches - 1, (int) Math.round(ratio * patches));
    }

    /** Draws a mask per example from its own seed (so shards and resumed runs draw the same masks). */
    public static ImageMask sample(int patches, double ratio, long[] seeds) {
        int b = seeds.length, masked = maskedCount(patches, ratio), keep = patches - masked;
        long[] idsKeep = new long[b * keep], restore = new long[b * patches];
        float[] flags = new float[b * patches];
        for (int i = 0; i < b; i++) {
            boolean[] isMasked = chooseMasked(patches, masked, new Generator(seeds[i]));
            int k = 0, m = 0;
            for (int p = 0; p < patches; p++) {
                if (isMasked[p]) {
                    flags[i * patches + p] = 1;
                    restore[i * patches + p] = keep + m++;
                } else {
                    idsKeep[i * keep + k] = p;
                    restore[i * patches + p] = k++;
                }
            }
        }
        return new ImageMask(Tensor.of(idsKeep, b, keep), Tensor.of(restore, b, patches), Tensor.of(flags, b, patches));
    }

    /** A uniformly random subset of {@code count} of {@code n} positions (partial Fisher-Yates). */
    static boolean[] chooseMasked(int n, int count, Generator g) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        boolean[] chosen = new boolean[n];
        for (int i = 0; i < count; i++) {
            int j = i + g.nextInt(n - i);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
            chosen[order[i]] = true;
        }
        return chosen;
    }

    /** The mask with its tensors on {@code device} (itself when they are there already). */
    public ImageMask to(Device device) {
        return idsKeep.device().equals(device) ? this : new ImageMask(idsKeep.to(device), restore.to(device), masked.to(device));
    }

    public int batch() {
        return idsKeep.size(0);
    }

    public int kept() {
        return idsKeep.size(1);
    }

    public int patches() {
        return restore.size(1);
    }
}
