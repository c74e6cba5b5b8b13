package dev.eve.core.tensor;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Properties of broadcasting and views against naive index arithmetic. */
class BroadcastAndViewPropertiesTest {

    @Provide
    Arbitrary<int[]> shapes() {
        return Arbitraries.integers().between(1, 4).array(int[].class).ofMinSize(0).ofMaxSize(4);
    }

    @Provide
    Arbitrary<Tuple.Tuple2<int[], int[]>> broadcastablePairs() {
        return shapes().flatMap(full -> {
            Arbitrary<int[]> other = Arbitraries.integers().between(0, full.length).flatMap(drop ->
                    Arbitraries.of(true, false).array(boolean[].class).ofSize(full.length - drop).map(ones -> {
                        int[] s = Arrays.copyOfRange(full, drop, full.length);
                        for (int i = 0; i < s.length; i++) if (ones[i]) s[i] = 1;
                        return s;
                    }));
            return Combinators.combine(Arbitraries.just(full), other).as(Tuple::of);
        });
    }

    private static Tensor iota(int[] shape, float scale) {
        float[] v = new float[Shapes.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = i * scale + 1;
        return Tensor.of(v).reshape(shape);
    }

    private static float at(Tensor t, int[] outIndex) {
        int[] s = t.shape();
        int lead = outIndex.length - s.length;
        int[] idx = new int[s.length];
        for (int i = 0; i < s.length; i++) idx[i] = s[i] == 1 ? 0 : outIndex[i + lead];
        return t.getFloat(idx);
    }

    @Property(tries = 80)
    void broadcastAddMatchesNaiveIndexing(@ForAll("broadcastablePairs") Tuple.Tuple2<int[], int[]> pair, @ForAll boolean swap) {
        int[] sa = swap ? pair.get2() : pair.get1(), sb = swap ? pair.get1() : pair.get2();
        Tensor a = iota(sa, 1), b = iota(sb, 0.5f);
        Tensor y = a.mul(b).add(a);
        int[] out = Shapes.broadcast(sa, sb);
        assertArrayEquals(out, y.shape());
        float[] got = y.toFloatArray();
        int[] idx = new int[out.length];
        for (int flat = 0; flat < got.length; flat++) {
            int r = flat;
            for (int d = out.length - 1; d >= 0; d--) {
                idx[d] = r % out[d];
                r /= out[d];
            }
            float av = at(a, idx), bv = at(b, idx);
            assertEquals(av * bv + av, got[flat], 1e-4f * Math.abs(av * bv + av));
        }
    }

    @Property(tries = 80)
    void permuteThenContiguousMovesElementsByTheirIndex(@ForAll("shapes") int[] shape, @ForAll long seed) {
        if (shape.length == 0) return;
        int[] perm = new int[shape.length];
        for (int i = 0; i < perm.length; i++) perm[i] = i;
        java.util.Random r = new java.util.Random(seed);
        for (int i = perm.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        Tensor x = iota(shape, 1);
        Tensor p = x.permute(perm);
        float[] got = p.contiguous().toFloatArray();
        int[] ps = p.shape();
        int[] idx = new int[ps.length], src = new int[ps.length];
        for (int flat = 0; flat < got.length; flat++) {
            int rem = flat;
            for (int d = ps.length - 1; d >= 0; d--) {
                idx[d] = rem % ps[d];
                rem /= ps[d];
            }
            for (int d = 0; d < ps.length; d++) src[perm[d]] = idx[d];
            assertEquals(x.getFloat(src), got[flat]);
        }
    }

    @Property(tries = 80)
    void reshapeOfAnyViewKeepsRowMajorOrder(@ForAll("shapes") int[] shape, @ForAll boolean transpose) {
        Tensor x = iota(shape, 1);
        Tensor v = transpose && shape.length >= 2 ? x.transpose(0, shape.length - 1) : x;
        float[] expected = v.contiguous().toFloatArray();
        assertArrayEquals(expected, v.reshape(-1).toFloatArray());
        assertArrayEquals(expected, v.flatten().contiguous().toFloatArray());
    }

    @Property(tries = 60)
    void sumOverAnyDimsEqualsNaiveSum(@ForAll("shapes") int[] shape, @ForAll long seed) {
        if (shape.length == 0) return;
        java.util.Random r = new java.util.Random(seed);
        int[] dims = java.util.stream.IntStream.range(0, shape.length).filter(d -> r.nextBoolean()).toArray();
        if (dims.length == 0) dims = new int[] {0};
        Tensor x = iota(shape, 0.25f);
        float total = x.sum().item();
        assertEquals(total, x.sum(dims, false).sum().item(), 1e-3f * Math.abs(total));
        assertEquals(x.numel() / Math.max(1, x.sum(dims, true).numel()) * x.sum(dims, true).numel(), x.numel());
    }

    @Property(tries = 60)
    void sliceMatchesArithmetic(@ForAll("shapes") int[] shape, @ForAll long seed) {
        if (shape.length == 0) return;
        java.util.Random r = new java.util.Random(seed);
        int d = r.nextInt(shape.length);
        int start = r.nextInt(shape[d] + 1), end = r.nextInt(shape[d] + 1), step = 1 + r.nextInt(2);
        Tensor x = iota(shape, 1);
        Tensor s = x.slice(d, start, end, step);
        int expectedLen = end > start ? (end - start + step - 1) / step : 0;
        assertEquals(expectedLen, s.size(d));
        if (s.numel() == 0) return;
        int[] idx = new int[shape.length];
        int[] ss = s.shape();
        float[] got = s.toFloatArray();
        for (int flat = 0; flat < got.length; flat++) {
            int rem = flat;
            for (int k = ss.length - 1; k >= 0; k--) {
                idx[k] = rem % ss[k];
                rem /= ss[k];
            }
            int[] src = idx.clone();
            src[d] = start + idx[d] * step;
            assertEquals(x.getFloat(src), got[flat]);
        }
    }
}
