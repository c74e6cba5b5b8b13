package dev.eve.models.data.masking;

import dev.eve.core.tensor.Tensor;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MaskingTest {

    @Property(tries = 200)
    void imageMaskKeepsExactlyTheRightPatchesAndRestoresTheGrid(@ForAll @IntRange(min = 1, max = 200) int patches,
                                                                 @ForAll @DoubleRange(min = 0, max = 0.99) double ratio,
                                                                 @ForAll @IntRange(min = 1, max = 4) int batch,
                                                                 @ForAll long seed) {
        long[] seeds = new long[batch];
        for (int i = 0; i < batch; i++) seeds[i] = seed + i;
        ImageMask m = ImageMask.sample(patches, ratio, seeds);
        int masked = Math.min(patches - 1, (int) Math.round(ratio * patches));
        int keep = patches - masked;
        assertEquals(keep, m.kept());
        long[] ids = m.idsKeep().toLongArray(), restore = m.restore().toLongArray();
        float[] flags = m.masked().toFloatArray();
        for (int b = 0; b < batch; b++) {
            int count = 0;
            for (int p = 0; p < patches; p++) count += flags[b * patches + p] == 1 ? 1 : 0;
            assertEquals(masked, count, "masked patches of image " + b);
            Set<Long> kept = new HashSet<>();
            for (int k = 0; k < keep; k++) {
                long id = ids[b * keep + k];
                if (k > 0) assertTrue(id > ids[b * keep + k - 1], "kept ids ascending");
                assertEquals(0f, flags[(int) (b * patches + id)], "a kept patch is not flagged masked");
                assertEquals(k, restore[(int) (b * patches + id)], "restore points a kept patch at its row");
                kept.add(id);
            }
            // restore is a permutation of 0..P-1
            long[] row = Arrays.copyOfRange(restore, b * patches, (b + 1) * patches);
            long[] sorted = row.clone();
            Arrays.sort(sorted);
            for (int p = 0; p < patches; p++) assertEquals(p, sorted[p]);
            assertEquals(keep, kept.size());
        }
    }

    @Test
    void imageMasksDependOnlyOnTheExampleSeed() {
        ImageMask a = ImageMask.sample(49, 0.75, new long[] {1, 2, 3});
        ImageMask b = ImageMask.sample(49, 0.75, new long[] {3, 2});
        long[] ia = a.idsKeep().toLongArray(), ib = b.idsKeep().toLongArray();
        int k = a.kept();
        assertArrayEquals(Arrays.copyOfRange(ia, 2 * k, 3 * k), Arrays.copyOfRange(ib, 0, k), "same seed, same mask, any batch position");
        assertFalse(Arrays.equals(Arrays.copyOfRange(ia, 0, k), Arrays.copyOfRange(ia, k, 2 * k)), "different seeds differ");
        assertEquals(12, k, "49 patches at 0.75: round(36.75) = 37 masked, 12 kept");
    }

    @Test
    void imageMaskRatioMustLeaveAPatch() {
        assertThrows(IllegalArgumentException.class, () -> ImageMask.sample(16, 1.0, new long[] {1}));
        assertThrows(IllegalArgumentException.class, () -> ImageMask.sample(16, -0.1, new long[] {1}));
        assertEquals(1, ImageMask.sample(4, 0.99, new long[] {1}).kept(), "at least one patch stays visible");
    }

    @Property(tries = 200)
    void textMaskNeverTouchesClsSpecialsOrPaddingAndCountsExactly(@ForAll @IntRange(min = 2, max = 40) int length,
                                                                   @ForAll @DoubleRange(min = 0.01, max = 1) double ratio,
                                                                   @ForAll boolean randomReplace,
                                                                   @ForAll long seed) {
        int batch = 3, vocab = 50, maskId = 4;
        long[] ids = new long[batch * length], atts = new long[batch * length];
        int[] special = new int[batch * length];
        java.util.Random r = new java.util.Random(seed);
        int[] maskable = new int[batch];
        for (int b = 0; b < batch; b++) {
            int real = 1 + r.nextInt(length);                       // tokens before padding
            for (int t = 0; t < length; t++) {
                int at = b * length + t;
                boolean pad = t >= real;
                ids[at] = pad ? 0 : 5 + r.nextInt(vocab - 5);
                atts[at] = pad ? 0 : 1;
                special[at] = pad || t == real - 1 && real > 1 && r.nextBoolean() ? 1 : 0;   // a [SEP] sometimes
                if (t == 0) special[at] = r.nextBoolean() ? 1 : 0;  // CLS may or may not be flagged: never masked anyway
                if (t > 0 && !pad && special[at] == 0) maskable[b]++;
            }
        }
        long[] seeds = {seed, seed + 1, seed + 2};
        TextMask m = TextMask.apply(ids, atts, special, length, ratio, maskId, randomReplace, vocab, seeds);
        long[] out = m.ids().toLongArray(), labels = m.labels().toLongArray();
        for (int b = 0; b < batch; b++) {
            int count = 0;
            for (int t = 0; t < length; t++) {
                int at = b * length + t;
                if (labels[at] == TextMask.IGNORE) {
                    assertEquals(ids[at], out[at], "an unmasked token is unchanged");
                    continue;
                }
                count++;
                assertTrue(t > 0, "CLS is never masked");
                assertEquals(1, atts[at], "padding is never masked");
                assertEquals(0, special[at], "special tokens are never masked");
                assertEquals(ids[at], labels[at], "the label is the original token");
                if (!randomReplace) assertEquals(maskId, out[at]);
            }
            int expected = maskable[b] == 0 ? 0 : Math.max(1, Math.min(maskable[b], (int) Math.round(ratio * maskable[b])));
            assertEquals(expected, count, "masked tokens of text " + b);
        }
    }

    @Test
    void randomReplacementFollowsTheEightyTenTenMix() {
        int length = 101, batch = 200;
        long[] ids = new long[batch * length], atts = new long[batch * length];
        int[] special = new int[batch * length];
        long[] seeds = new long[batch];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 10 + i % 7;
            atts[i] = 1;
        }
        for (int b = 0; b < batch; b++) seeds[b] = 1000 + b;
        TextMask m = TextMask.apply(ids, atts, special, length, 0.5, 3, true, 1000, seeds);
        long[] out = m.ids().toLongArray(), labels = m.labels().toLongArray();
        int masked = 0, asMask = 0, kept = 0;
        for (int i = 0; i < ids.length; i++) {
            if (labels[i] == TextMask.IGNORE) continue;
            masked++;
            if (out[i] == 3) asMask++;
            else if (out[i] == ids[i]) kept++;
        }
        assertEquals(batch * 50, masked);
        assertEquals(0.8, asMask / (double) masked, 0.02);
        assertEquals(0.1, kept / (double) masked, 0.02);   // (+ the rare random draw of the same id)
    }

    @Test
    void patchifyOrdersPatchesRowMajorWithChannelsInnermost() {
        // 1 image, 3 channels, 4x4, patch 2: value = c * 100 + y * 10 + x
        float[] img = new float[48];
        for (int c = 0; c < 3; c++) for (int y = 0; y < 4; y++) for (int x = 0; x < 4; x++) img[c * 16 + y * 4 + x] = c * 100 + y * 10 + x;
        Tensor p = Patches.patchify(Tensor.of(img, 1, 3, 4, 4), 2);
        assertArrayEquals(new int[] {1, 4, 12}, p.shape());
        float[] v = p.toFloatArray();
        // patch 1 = top right (y 0..1, x 2..3); its first pixel (0, 2) with channels 0, 1, 2, then (0, 3)
        assertArrayEquals(new float[] {2, 102, 202, 3, 103, 203}, Arrays.copyOfRange(v, 12, 18));
        // patch 2 = bottom left, first pixel (2, 0)
        assertEquals(20f, v[24]);
    }

    @Test
    void normalizedPatchesHaveZeroMeanAndUnitUnbiasedVariance() {
        Tensor x = Tensor.randn(new dev.eve.core.tensor.Generator(3), 2, 5, 12).mul(3).add(1);
        Tensor n = Patches.normalized(x);
        float[] mean = n.mean(-1, false).toFloatArray(), var = n.var(-1, true, false).toFloatArray();
        for (float m : mean) assertEquals(0, m, 1e-5);
        for (float s : var) assertEquals(1, s, 1e-4);
        assertNotEquals(0, n.sub(x).abs().max().item());
    }
}
