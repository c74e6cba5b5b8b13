package dev.eve.core.autograd;

import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;

import java.util.function.Function;

/**
 * Gradient checkpointing: runs a block without keeping its activations and re-runs it during
 * backward, trading compute for memory (what EVE's original code did with fairscale). Parameters the
 * block closes over receive their gradients during the re-run; the random stream of the current
 * generator is replayed, so dropout draws the same masks both times. Tensors with history from
 * outside the block must be passed as inputs, not captured by {@code fn}: the re-run's backward would
 * otherwise walk (and free) the outer graph on its own.
 */
public final class Checkpoint {

    private Checkpoint() {}

    /** {@code fn(x)} with its activations recomputed in backward. */
    public static Tensor apply(Function<Tensor, Tensor> fn, Tensor x) {
        return apply(args -> fn.apply(args[0]), new Tensor[] {x});
    }

    /** {@code fn(inputs)} with its activations recomputed in backward. */
    public static Tensor apply(Function<Tensor[], Tensor> fn, Tensor... inputs) {
        if (!GradMode.isEnabled()) return fn.apply(inputs);
        Generator gen = Generator.current();
        byte[] rngBefore = gen.saveState();
        Tensor out;
        try (NoGrad ignored = NoGrad.enter()) {
            out = fn.apply(detached(inputs));
        }
        Tensor result = out.detach();
        return Node.record(result, new CheckpointNode(fn, inputs, gen, rngBefore));
    }

    private static Tensor[] detached(Tensor[] inputs) {
        Tensor[] d = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) d[i] = inputs[i] == null ? null : inputs[i].detach();
        return d;
    }

    private static final class CheckpointNode extends Node {
        private Function<Tensor[], Tensor> fn;
        private Tensor[] saved;
        private final Generator gen;
        private final byte[] rngBefore;

        CheckpointNode(Function<Tensor[], Tensor> fn, Tensor[] inputs, Generator gen, byte[] rngBefore) {
            super(inputs);
            this.fn = fn;
            this.saved = detached(inputs);
            this.gen = gen;
            this.rngBefore = rngBefore;
        }

        @Override
        public String name() {
            return "checkpoint_backward";
        }

        @Override
        protected Tensor[] backward(Tensor grad) {
            Tensor[] original = inputs();
            Tensor[] args = new Tensor[saved.length];
            for (int i = 0; i < saved.length; i++) {
                if (saved[i] == null) continue;
                args[i] = saved[i].detach();
                if (original[i] != null && original[i].requiresGrad()) args[i].requiresGrad(true);
            }
            byte[] rngAfter = gen.saveState();
            gen.restoreState(rngBefore);
            Tensor out;
            try (NoGrad ignored = NoGrad.enableGrad()) {
                out = fn.apply(args);
            } finally {
                gen.restoreState(rngAfter);
            }
            if (out.requiresGrad()) Engine.backward(out, grad, false);
            Tensor[] grads = new Tensor[args.length];
            for (int i = 0; i < args.length; i++) grads[i] = args[i] == null ? null : args[i].grad();
            return grads;
        }

        @Override
        protected void releaseSaved() {
            saved = null;
            fn = null;
        }
    }
}
