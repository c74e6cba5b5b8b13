package dev.eve.core.dist;

import dev.eve.core.tensor.DType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BucketPlanTest {

    private static BucketPlan.Param f32(long n) {
        return new BucketPlan.Param(n, DType.F32);
    }

    @Test
    void reverseOrderSmallFirstBucketThenCapsAndEveryParameterOnce() {
        // 10 parameters of 100 floats (400 B); first cap 1000 B, then 2000 B.
        List<BucketPlan.Param> ps = new ArrayList<>();
        for (int i = 0; i < 10; i++) ps.add(f32(100));
        BucketPlan plan = BucketPlan.plan(ps, 2000, 1000);
        List<List<Integer>> got = plan.buckets().stream().map(b -> b.slots().stream().map(BucketPlan.Slot::param).toList()).toList();
        assertEquals(List.of(List.of(9, 8), List.of(7, 6, 5, 4, 3), List.of(2, 1, 0)), got);
        BucketPlan.Bucket second = plan.buckets().get(1);
        assertEquals(500, second.numel());
        assertEquals(2000, second.bytes());
        for (int i = 0; i < second.slots().size(); i++) assertEquals(100L * i, second.slots().get(i).offset());
        assertEquals(1000, plan.numel());
    }

    @Test
    void anOversizedParameterGetsABucketOfItsOwnAndEmptyOnesAreSkipped() {
        BucketPlan plan = BucketPlan.plan(List.of(f32(10), f32(0), f32(1_000), f32(10)), 400, 400);
        List<List<Integer>> got = plan.buckets().stream().map(b -> b.slots().stream().map(BucketPlan.Slot::param).toList()).toList();
        assertEquals(List.of(List.of(3), List.of(2), List.of(0)), got);
        assertEquals(1_000, plan.buckets().get(1).numel());
    }

    @Test
    void dtypesAreNotMixed() {
        BucketPlan plan = BucketPlan.plan(List.of(f32(4), new BucketPlan.Param(4, DType.BF16), f32(4), new BucketPlan.Param(4, DType.BF16)), 1 << 20, 1 << 20);
        assertEquals(2, plan.buckets().size());
        for (BucketPlan.Bucket b : plan.buckets()) {
            Set<Integer> params = new HashSet<>();
            b.slots().forEach(s -> params.add(s.param()));
            assertTrue(b.dtype() == DType.F32 ? params.equals(Set.of(0, 2)) : params.equals(Set.of(1, 3)), b.toString());
            assertEquals(8, b.numel());
        }
    }

    @Test
    void eveBaseGradientsFitDdpsDefaults() {
        // EVE-Base-like: 12 layers of 7.1M floats plus an embedding of 49M floats.
        List<BucketPlan.Param> ps = new ArrayList<>();
        ps.add(f32(64_000L * 768));
        for (int l = 0; l < 12; l++) for (long n : new long[] {768L * 2304, 2304, 768L * 768, 768, 768L * 3072, 3072, 3072L * 768, 768}) ps.add(f32(n));
        BucketPlan plan = BucketPlan.plan(ps);
        long total = ps.stream().mapToLong(BucketPlan.Param::numel).sum();
        assertEquals(total, plan.numel());
        assertTrue(plan.buckets().get(0).bytes() <= BucketPlan.DEFAULT_FIRST_CAP_BYTES || plan.buckets().get(0).slots().size() == 1);
        for (BucketPlan.Bucket b : plan.buckets())
            assertTrue(b.bytes() <= BucketPlan.DEFAULT_CAP_BYTES || b.slots().size() == 1, b.index() + ": " + b.bytes());
        Set<Integer> seen = new HashSet<>();
        plan.buckets().forEach(b -> b.slots().forEach(s -> assertTrue(seen.add(s.param()))));
        assertEquals(ps.size(), seen.size());
    }
}
