package dev.eve.core.nn;

import dev.eve.core.autograd.NoGrad;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Shapes;
import dev.eve.core.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * A building block with named parameters, buffers and children, registered explicitly under the
 * names the original PyTorch code uses, so that state dicts map one to one
 * ({@code encoder.layers.3.attn.qkv.weight}).
 */
public abstract class Module {

    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Set<String> nonPersistent = new LinkedHashSet<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    // ================================================================= registration

    /** Registers a trainable tensor (marked as requiring grad) and returns it. */
    protected final Tensor registerParameter(String name, Tensor value) {
        checkName(name);
        if (value != null) {
            if (!value.isLeaf()) throw new IllegalArgumentException("parameter '" + name + "' must be a leaf tensor (detach it first)");
            value.requiresGrad(true);
        }
        parameters.put(name, value);
        return value;
    }

    /** Registers a non-trainable tensor that is part of the state dict (unless not persistent). */
    protected final Tensor registerBuffer(String name, Tensor value, boolean persistent) {
        checkName(name);
        buffers.put(name, value);
        if (!persistent) nonPersistent.add(name);
        return value;
    }

    protected final Tensor registerBuffer(String name, Tensor value) {
        return registerBuffer(name, value, true);
    }

    /** Registers a child module and returns it. */
    protected final <M extends Module> M registerModule(String name, M module) {
        checkName(name);
        children.put(name, module);
        if (module != null) module.train(training);
        return module;
    }

    private void checkName(String name) {
        if (name == null || name.isEmpty() || name.contains("."))
            throw new IllegalArgumentException("invalid name '" + name + "': names must be non-empty and without dots");
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name))
            throw new IllegalArgumentException("'" + name + "' is already registered in " + getClass().getSimpleName());
    }

    /** Replaces the value of a registered buffer (e.g. recomputed position ids). */
    protected final void setBuffer(String name, Tensor value) {
        if (!buffers.containsKey(name)) throw new IllegalArgumentException("no buffer named '" + name + "'");
        buffers.put(name, value);
    }

    // ================================================================= access

    /** A registered parameter of this module (not of its children). */
    public final Tensor parameter(String name) {
        return parameters.get(name);
    }

    public final Tensor buffer(String name) {
        return buffers.get(name);
    }

    public final Module child(String name) {
        return children.get(name);
    }

    public final Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** All parameters with their dotted names, each tensor once (shared parameters under their first name). */
    public final Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        Map<Tensor, Boolean> seen = new IdentityHashMap<>();
        visit("", (prefix, m) -> m.parameters.forEach((n, t) -> {
            if (t != null && seen.put(t, Boolean.TRUE) == null) out.put(prefix + n, t);
        }));
        return out;
    }

    public final List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** All buffers with their dotted names. */
    public final Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        visit("", (prefix, m) -> m.buffers.forEach((n, t) -> {
            if (t != null) out.put(prefix + n, t);
        }));
        return out;
    }

    /** This module and all descendants with their dotted names ("" for this one). */
    public final Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        visit("", (prefix, m) -> out.put(prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1), m));
        return out;
    }

    private void visit(String prefix, BiConsumer<String, Module> fn) {
        fn.accept(prefix, this);
        children.forEach((n, c) -> {
            if (c != null) c.visit(prefix + n + ".", fn);
        });
    }

    /** Total number of parameter elements. */
    public final long numParameters() {
        long n = 0;
        for (Tensor t : parameters()) n += t.numel();
        return n;
    }

    // ================================================================= modes

    public final boolean isTraining() {
        return training;
    }

    /** Sets training mode here and in all descendants; returns this. */
    public Module train(boolean on) {
        training = on;
        for (Module c : children.values()) if (c != null) c.train(on);
        return this;
    }

    public final Module train() {
        return train(true);
    }

    public final Module eval() {
        return train(false);
    }

    /** Clears the gradients of all parameters (sets them to null, like set_to_none=True). */
    public final void zeroGrad() {
        for (Tensor p : parameters()) p.setGrad(null);
    }

    /** Moves parameters and buffers to {@code device} in place (tensor identities are kept). */
    public Module to(Device device) {
        visit("", (prefix, m) -> {
            for (Tensor t : m.parameters.values()) if (t != null && !t.device().equals(device)) t.setData(t.detach().to(device));
            for (Tensor t : m.buffers.values()) if (t != null && !t.device().equals(device)) t.setData(t.to(device));
        });
        return this;
    }

    // ================================================================= state dicts

    /** Parameters and persistent buffers by dotted name (sharing storage with the module). */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        visit("", (prefix, m) -> {
            m.parameters.forEach((n, t) -> {
                if (t != null) out.put(prefix + n, t.detach());
            });
            m.buffers.forEach((n, t) -> {
                if (t != null && !m.nonPersistent.contains(n)) out.put(prefix + n, t.detach());
            });
        });
        return out;
    }

    /**
     * Copies values from {@code state} into the parameters and buffers with the same names (in
     * place, so optimizers keep their references). With {@code strict}, any missing or unexpected
     * key or shape mismatch throws, naming them; otherwise the report lists them and matching
     * entries are loaded.
     */
    public final LoadReport loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Tensor> own = new LinkedHashMap<>();
        visit("", (prefix, m) -> {
            m.parameters.forEach((n, t) -> {
                if (t != null) own.put(prefix + n, t);
            });
            m.buffers.forEach((n, t) -> {
                if (t != null && !m.nonPersistent.contains(n)) own.put(prefix + n, t);
            });
        });
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>(), mismatched = new ArrayList<>();
        for (String k : own.keySet()) if (!state.containsKey(k)) missing.add(k);
        for (String k : state.keySet()) if (!own.containsKey(k)) unexpected.add(k);
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (src != null && !Arrays.equals(src.shape(), e.getValue().shape()))
                mismatched.add(e.getKey() + ": expected " + Shapes.format(e.getValue().shape()) + ", got " + Shapes.format(src.shape()));
        }
        LoadReport report = new LoadReport(missing, unexpected, mismatched);
        if (strict && !report.isClean())
            throw new IllegalArgumentException("state dict does not fit " + getClass().getSimpleName() + ": " + report.summary());
        try (var ignored = NoGrad.enter()) {
            for (Map.Entry<String, Tensor> e : own.entrySet()) {
                Tensor src = state.get(e.getKey());
                if (src == null || !Arrays.equals(src.shape(), e.getValue().shape())) continue;
                Tensor dst = e.getValue();
                dst.assign(src.to(dst.device()).to(dst.dtype()));
            }
        }
        return report;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append('(');
        if (children.isEmpty()) return sb.append(extraRepr()).append(')').toString();
        sb.append(extraRepr()).append('\n');
        children.forEach((n, c) -> sb.append("  (").append(n).append("): ")
                .append(String.valueOf(c).replace("\n", "\n  ")).append('\n'));
        return sb.append(')').toString();
    }

    /** Extra text for {@link #toString()}, e.g. the sizes of a layer. */
    protected String extraRepr() {
        return "";
    }
}
