package dev.eve.core.dist;

import dev.eve.core.autograd.HookHandle;
import dev.eve.core.autograd.NoGrad;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Averages the gradients of one replica's parameters over a {@link ProcessGroup} while backward is
 * still running, as PyTorch's DDP does. Parameters are grouped by a {@link BucketPlan} (reverse
 * registration order, roughly the order backward finishes them) into flat buffers on the replica's
 * device. Each parameter's gradient is copied into its bucket when its
 * {@link Tensor#registerGradReadyHook gradient-ready hook} fires; a bucket whose gradients are all in
 * is all-reduced at once, asynchronously, so communication overlaps the rest of backward.
 *
 * <p>Buckets are launched strictly in index order, so every member issues the same sequence of
 * collectives (NCCL requires it) even when their graphs differ: a parameter that gets no gradient on
 * this replica (an MoE expert that received no token) holds its bucket, and every later one, until
 * {@link #finish()}, which launches what is left. Each bucket ends with one presence slot per
 * parameter (1 when this replica has its gradient), so that a parameter that got no gradient on ANY
 * replica ends with {@code grad == null}, which AdamW skips, rather than a zero gradient that would
 * still decay its weights and move its moments.
 *
 * <p>Missing gradients are filled with -0.0, not 0.0: -0.0 is the exact identity of IEEE addition
 * (x + -0.0 == x for every x, -0.0 included), so a rank-ordered sum over members equals the sum of
 * only the gradients that exist, bit for bit.
 *
 * <p>Use: {@link #prepare()}, one backward, {@link #finish()}, on the replica's thread. The group must
 * be used for nothing else while a step is in flight (other collectives would interleave with the
 * buckets in a different order on different members).
 */
public final class GradientReducer implements AutoCloseable {

    private static final float NOTHING = -0.0f;

    private final ProcessGroup group;
    private final List<Tensor> params;
    private final BucketPlan plan;
    private final Tensor[] flats;
    private final int[] bucketOf, slotOf;
    private final int[] waiting;
    private final boolean[] ready;
    private final ProcessGroup.Work[] work;
    private final List<HookHandle> hooks = new ArrayList<>();
    private int launched;
    private boolean armed;

    /** With PyTorch DDP's bucket sizes. */
    public GradientReducer(List<Tensor> parameters, ProcessGroup group) {
        this(parameters, group, BucketPlan.DEFAULT_CAP_BYTES, BucketPlan.DEFAULT_FIRST_CAP_BYTES);
    }

    /**
     * Averages the gradients of {@code parameters} (in registration order; those that do not require
     * grad, are empty, or repeat an earlier one are left out) over {@code group}.
     */
    public GradientReducer(List<Tensor> parameters, ProcessGroup group, long capBytes, long firstCapBytes) {
        this.group = group;
        this.params = trainable(parameters);
        this.plan = BucketPlan.plan(params.stream().map(p -> new BucketPlan.Param(p.numel(), p.dtype())).toList(), capBytes, firstCapBytes);
        Device device = params.isEmpty() ? Device.CPU : params.get(0).device();
        for (Tensor p : params)
            if (!p.device().equals(device))
                throw new IllegalArgumentException("a replica's parameters must be on one device, found " + device + " and " + p.device());
        int buckets = plan.buckets().size();
        flats = new Tensor[buckets];
        bucketOf = new int[params.size()];
        slotOf = new int[params.size()];
        waiting = new int[buckets];
        ready = new boolean[params.size()];
        work = new ProcessGroup.Work[buckets];
        for (BucketPlan.Bucket b : plan.buckets()) {
            flats[b.index()] = Tensor.zeros(device, b.dtype(), Math.toIntExact(b.numel() + b.slots().size()));
            for (int s = 0; s < b.slots().size(); s++) {
                bucketOf[b.slots().get(s).param()] = b.index();
                slotOf[b.slots().get(s).param()] = s;
            }
        }
        for (int i = 0; i < params.size(); i++) {
            int index = i;
            hooks.add(params.get(i).registerGradReadyHook(t -> {
                if (armed) onReady(index);
            }));
        }
    }

    private static List<Tensor> trainable(List<Tensor> parameters) {
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Tensor> out = new ArrayList<>();
        for (Tensor p : parameters)
            if (p.requiresGrad() && p.numel() > 0 && seen.add(p)) out.add(p);
        return out;
    }

    /** The buckets (indices into the reduced parameters, in the order they are sent). */
    public BucketPlan plan() {
        return plan;
    }

    /** The parameters reduced, in registration order (the indices of {@link #plan()}). */
    public List<Tensor> parameters() {
        return Collections.unmodifiableList(params);
    }

    /** Starts a step: the next backward's gradients are collected. */
    public void prepare() {
        if (armed) throw new IllegalStateException("prepare() twice without finish()");
        launched = 0;
        java.util.Arrays.fill(ready, false);
        java.util.Arrays.fill(work, null);
        try (var ignored = NoGrad.enter()) {
            for (BucketPlan.Bucket b : plan.buckets()) {
                waiting[b.index()] = b.slots().size();
                presence(b.index()).fill(NOTHING);
            }
        }
        armed = true;
    }

    private void onReady(int p) {
        if (ready[p])
            throw new IllegalStateException("the gradient of a parameter of shape " + dev.eve.core.tensor.Shapes.format(params.get(p).shape())
                    + " was completed twice in one step: run one backward between prepare() and finish()");
        Tensor g = params.get(p).grad();
        if (g == null) return;   // nothing arrived after all
        int b = bucketOf[p];
        BucketPlan.Slot slot = plan.buckets().get(b).slots().get(slotOf[p]);
        try (var ignored = NoGrad.enter()) {
            gradient(b, slot).assign(g.reshape(-1));
            presence(b).slice(0, slotOf[p], slotOf[p] + 1).fill(1);
        }
        ready[p] = true;
        waiting[b]--;
        while (launched < flats.length && waiting[launched] == 0) launch(launched++);
    }

    private void launch(int b) {
        work[b] = group.allReduceAsync(flats[b], true);
    }

    /**
     * Ends the step after backward: launches the buckets still held (their missing gradients count as
     * nothing), waits for every bucket and sets each parameter's gradient to the mean over members, or
     * to null when no member had one.
     */
    public void finish() {
        if (!armed) throw new IllegalStateException("finish() without prepare()");
        armed = false;
        try (var ignored = NoGrad.enter()) {
            for (int b = launched; b < flats.length; b++) {
                List<BucketPlan.Slot> slots = plan.buckets().get(b).slots();
                for (BucketPlan.Slot s : slots)
                    if (!ready[s.param()]) gradient(b, s).fill(NOTHING);
                launch(b);
            }
            launched = flats.length;
            for (int b = 0; b < flats.length; b++) {
                work[b].await();
                work[b] = null;
                float[] present = presence(b).toFloatArray();
                List<BucketPlan.Slot> slots = plan.buckets().get(b).slots();
                for (int s = 0; s < slots.size(); s++) {
                    Tensor p = params.get(slots.get(s).param());
                    p.setGrad(present[s] > 0 ? gradient(b, slots.get(s)).reshape(p.shape()).copy() : null);
                }
            }
        }
    }

    /**
     * Abandons a step that failed part-way (a replica threw): stops collecting and waits for the
     * buckets already launched, ignoring their failures (the group is being torn down or aborted).
     */
    public void abandon() {
        armed = false;
        for (int b = 0; b < work.length; b++) {
            if (work[b] == null) continue;
            try {
                work[b].await();
            } catch (RuntimeException ignored) {
                // the step is lost anyway; the caller reports the original failure
            }
            work[b] = null;
        }
    }

    private Tensor gradient(int b, BucketPlan.Slot s) {
        return flats[b].slice(0, Math.toIntExact(s.offset()), Math.toIntExact(s.offset() + s.numel()));
    }

    private Tensor presence(int b) {
        BucketPlan.Bucket bucket = plan.buckets().get(b);
        return flats[b].slice(0, Math.toIntExact(bucket.numel()), Math.toIntExact(bucket.numel() + bucket.slots().size()));
    }

    /** Removes the hooks (the parameters no longer feed this reducer). */
    @Override
    public void close() {
        for (HookHandle h : hooks) h.remove();
        hooks.clear();
        armed = false;
    }
}
