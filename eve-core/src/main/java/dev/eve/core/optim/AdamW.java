package dev.eve.core.optim;

import dev.eve.core.autograd.NoGrad;
import dev.eve.core.io.CheckpointException;
import dev.eve.core.io.SafeTensors;
import dev.eve.core.tensor.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW with decoupled weight decay and PyTorch 1.13's semantics: each parameter keeps its own step
 * count, parameters without a gradient are skipped, the update is
 * {@code p *= 1 - lr*wd; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)}.
 * The state (moments and step counts) saves to a safetensors file and resumes bit for bit.
 */
public final class AdamW {

    private final List<ParamGroup> groups;
    private final double beta1, beta2, eps;
    private double lr;
    private final Map<Tensor, State> state = new java.util.IdentityHashMap<>();

    private static final class State {
        long step;
        Tensor expAvg, expAvgSq;
    }

    public AdamW(List<ParamGroup> groups, double lr, double beta1, double beta2, double eps) {
        if (!(lr >= 0)) throw new IllegalArgumentException("learning rate must be >= 0, got " + lr);
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
            throw new IllegalArgumentException("betas must be in [0, 1), got (" + beta1 + ", " + beta2 + ")");
        if (!(eps >= 0)) throw new IllegalArgumentException("eps must be >= 0, got " + eps);
        this.groups = List.copyOf(groups);
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        java.util.Set<Tensor> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (ParamGroup g : this.groups)
            for (Tensor p : g.params()) {
                if (!seen.add(p)) throw new IllegalArgumentException("a parameter appears in more than one group (group '" + g.name() + "')");
                if (!p.requiresGrad()) throw new IllegalArgumentException("group '" + g.name() + "' holds a tensor that does not require grad");
            }
    }

    /** One group with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8. */
    public AdamW(List<Tensor> params, double lr, double weightDecay) {
        this(List.of(new ParamGroup("default", params, weightDecay)), lr, 0.9, 0.999, 1e-8);
    }

    public List<ParamGroup> groups() {
        return groups;
    }

    /** The base learning rate (schedulers set it). */
    public double lr() {
        return lr;
    }

    public void setLr(double lr) {
        if (!(lr >= 0)) throw new IllegalArgumentException("learning rate must be >= 0, got " + lr);
        this.lr = lr;
    }

    /** Applies one update to every parameter that has a gradient. */
    public void step() {
        try (var ignored = NoGrad.enter()) {
            for (ParamGroup g : groups) {
                double groupLr = lr * g.lrMult();
                for (Tensor p : g.params()) {
                    Tensor grad = p.grad();
                    if (grad == null) continue;
                    State s = state.computeIfAbsent(p, k -> newState(p));
                    s.step++;
                    Tensor gc = grad.device().equals(p.device()) ? grad.contiguous() : grad.to(p.device()).contiguous();
                    if (!p.isContiguous()) throw new IllegalStateException("AdamW needs contiguous parameters");
                    p.backend().adamwStep(p, gc, s.expAvg, s.expAvgSq, groupLr, beta1, beta2, eps, g.weightDecay(), s.step);
                }
            }
        }
    }

    private static State newState(Tensor p) {
        State s = new State();
        s.expAvg = Tensor.zerosLike(p);
        s.expAvgSq = Tensor.zerosLike(p);
        return s;
    }

    /** Clears the gradients of every parameter. */
    public void zeroGrad() {
        for (ParamGroup g : groups) for (Tensor p : g.params()) p.setGrad(null);
    }

    /** The step count of a parameter (0 before its first update). */
    public long step(Tensor param) {
        State s = state.get(param);
        return s == null ? 0 : s.step;
    }

    /** First and second moments of a parameter, or null before its first update. */
    public Tensor[] moments(Tensor param) {
        State s = state.get(param);
        return s == null ? null : new Tensor[] {s.expAvg, s.expAvgSq};
    }

    // ================================================================= save / resume

    /**
     * The optimizer state as named tensors: {@code <group>.<index>.exp_avg}, {@code .exp_avg_sq}
     * and {@code .step} (I64 scalar) for each parameter that has state, plus {@code lr} (F32 would
     * lose precision, so it is stored in the metadata by {@link #save}).
     */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int gi = 0; gi < groups.size(); gi++) {
            List<Tensor> params = groups.get(gi).params();
            for (int pi = 0; pi < params.size(); pi++) {
                State s = state.get(params.get(pi));
                if (s == null) continue;
                String key = gi + "." + pi;
                out.put(key + ".exp_avg", s.expAvg.detach());
                out.put(key + ".exp_avg_sq", s.expAvgSq.detach());
                out.put(key + ".step", Tensor.of(new long[] {s.step}).reshape());
            }
        }
        return out;
    }

    /** Restores {@link #stateDict()} output; shapes and group layout must match. */
    public void loadStateDict(Map<String, Tensor> sd) {
        Map<Tensor, State> restored = new java.util.IdentityHashMap<>();
        for (Map.Entry<String, Tensor> e : sd.entrySet()) {
            String[] parts = e.getKey().split("\\.");
            if (parts.length != 3) throw new IllegalArgumentException("unexpected optimizer state key '" + e.getKey() + "'");
            int gi, pi;
            try {
                gi = Integer.parseInt(parts[0]);
                pi = Integer.parseInt(parts[1]);
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("unexpected optimizer state key '" + e.getKey() + "'");
            }
            if (gi >= groups.size() || pi >= groups.get(gi).params().size())
                throw new IllegalArgumentException("optimizer state key '" + e.getKey() + "' does not match the parameter groups");
            Tensor p = groups.get(gi).params().get(pi);
            State s = restored.computeIfAbsent(p, k -> new State());
            Tensor v = e.getValue();
            switch (parts[2]) {
                case "step" -> s.step = v.longItem();
                case "exp_avg", "exp_avg_sq" -> {
                    if (!Arrays.equals(v.shape(), p.shape()))
                        throw new IllegalArgumentException("optimizer state '" + e.getKey() + "' has shape " + Arrays.toString(v.shape())
                                + " but the parameter has " + Arrays.toString(p.shape()));
                    Tensor copy = Tensor.zerosLike(p);
                    try (var ignored = NoGrad.enter()) {
                        copy.assign(v);
                    }
                    if (parts[2].equals("exp_avg")) s.expAvg = copy;
                    else s.expAvgSq = copy;
                }
                default -> throw new IllegalArgumentException("unexpected optimizer state key '" + e.getKey() + "'");
            }
        }
        for (Map.Entry<Tensor, State> e : restored.entrySet())
            if (e.getValue().expAvg == null || e.getValue().expAvgSq == null)
                throw new IllegalArgumentException("optimizer state is missing a moment for a parameter");
        state.clear();
        state.putAll(restored);
    }

    /** Writes the state atomically to a safetensors file (the learning rate goes into its metadata). */
    public void save(Path path) {
        SafeTensors.save(path, stateDict(), Map.of("format", "eve-adamw", "lr", Double.toString(lr),
                "groups", Integer.toString(groups.size())));
    }

    /** Restores a state written by {@link #save}. */
    public void load(Path path) {
        Map<String, Tensor> sd;
        Map<String, String> meta;
        try (SafeTensors f = SafeTensors.open(path)) {
            meta = f.metadata();
            if (!"eve-adamw".equals(meta.get("format")))
                throw new CheckpointException(path + ": not an AdamW state file (metadata format=" + meta.get("format") + ")");
            sd = new LinkedHashMap<>();
            for (String n : f.names()) sd.put(n, f.tensor(n));
        }
        try {
            loadStateDict(sd);
            setLr(Double.parseDouble(meta.getOrDefault("lr", Double.toString(lr))));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(path + ": " + e.getMessage(), e);
        }
    }

    /** All parameters of all groups. */
    public List<Tensor> parameters() {
        List<Tensor> all = new ArrayList<>();
        for (ParamGroup g : groups) all.addAll(g.params());
        return all;
    }
}
