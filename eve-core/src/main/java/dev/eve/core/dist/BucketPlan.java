package dev.eve.core.dist;

import dev.eve.core.tensor.DType;

import java.util.ArrayList;
import java.util.List;

/**
 * Which gradients are all-reduced together. Parameters are taken in reverse registration order (the
 * order backward produces their gradients, so that a bucket is ready as early as possible) and packed
 * into flat buckets of one dtype, each at most {@code capBytes} (the first at most
 * {@code firstCapBytes}: PyTorch DDP's 1 MiB and 25 MiB), a parameter never split: one larger than the
 * cap gets a bucket of its own. Offsets are element offsets into the bucket's flat buffer.
 */
public record BucketPlan(List<Bucket> buckets) {

    /** PyTorch DDP's bucket_cap_mb. */
    public static final long DEFAULT_CAP_BYTES = 25L << 20;
    /** PyTorch DDP's first bucket (gradients of the last layers go out early). */
    public static final long DEFAULT_FIRST_CAP_BYTES = 1L << 20;

    /** One parameter to plan: its element count and dtype. */
    public record Param(long numel, DType dtype) {
        public Param {
            if (numel < 0) throw new IllegalArgumentException("numel must be >= 0, got " + numel);
        }
    }

    /** A slot of a bucket: parameter {@code param} (index into the planned list) at {@code offset}. */
    public record Slot(int param, long offset, long numel) {}

    /** A flat buffer of {@code numel} elements of {@code dtype} holding its slots back to back. */
    public record Bucket(int index, DType dtype, long numel, List<Slot> slots) {
        public long bytes() {
            return numel * dtype.byteSize();
        }
    }

    public BucketPlan {
        buckets = List.copyOf(buckets);
    }

    public static BucketPlan plan(List<Param> params) {
        return plan(params, DEFAULT_CAP_BYTES, DEFAULT_FIRST_CAP_BYTES);
    }

    public static BucketPlan plan(List<Param> params, long capBytes, long firstCapBytes) {
        if (capBytes < 1 || firstCapBytes < 1) throw new IllegalArgumentException("bucket caps must be >= 1 byte");
        List<Bucket> out = new ArrayList<>();
        // One open bucket per dtype: mixed-precision models keep their F32 and BF16 gradients apart.
        java.util.Map<DType, List<Slot>> open = new java.util.LinkedHashMap<>();
        java.util.Map<DType, long[]> fill = new java.util.HashMap<>();
        for (int i = params.size() - 1; i >= 0; i--) {
            Param p = params.get(i);
            if (p.numel() == 0) continue;
            long bytes = p.numel() * p.dtype().byteSize();
            long cap = out.isEmpty() ? firstCapBytes : capBytes;
            List<Slot> slots = open.get(p.dtype());
            long used = slots == null ? 0 : fill.get(p.dtype())[0];
            if (slots != null && !slots.isEmpty() && (used + p.numel()) * p.dtype().byteSize() > cap) {
                out.add(close(out.size(), p.dtype(), slots, used));
                open.remove(p.dtype());
                slots = null;
                used = 0;
                cap = capBytes;
            }
            if (slots == null) {
                slots = new ArrayList<>();
                open.put(p.dtype(), slots);
                fill.put(p.dtype(), new long[1]);
            }
            slots.add(new Slot(i, used, p.numel()));
            fill.get(p.dtype())[0] = used + p.numel();
            if (bytes >= cap) { // full (or oversized): send it as it is
                out.add(close(out.size(), p.dtype(), slots, used + p.numel()));
                open.remove(p.dtype());
            }
        }
        for (var e : open.entrySet())
            if (!e.getValue().isEmpty()) out.add(close(out.size(), e.getKey(), e.getValue(), fill.get(e.getKey())[0]));
        return new BucketPlan(out);
    }

    private static Bucket close(int index, DType dtype, List<Slot> slots, long numel) {
        return new Bucket(index, dtype, numel, List.copyOf(slots));
    }

    /** Total elements over all buckets. */
    public long numel() {
        long n = 0;
        for (Bucket b : buckets) n += b.numel();
        return n;
    }
}
