package dev.eve.bench;

import dev.eve.core.autograd.NoGrad;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.eve.moe.Gating;
import dev.eve.models.eve.moe.MoeLayer;
import dev.eve.models.eve.moe.RoutingPlan;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The data movement of an MoE layer on the CPU, with the expert MLPs taken out (each expert is the
 * identity, so only routing traffic is timed): S = 8 x 237 tokens (EVE-Base's vl batch), H = 768, E = 32
 * experts, top-2, capacity factor 1 (C = 119 per expert; random router outputs drop a few percent).
 *
 * <ul>
 *   <li>{@code fused*}: {@link MoeLayer#dispatchAndCombine}, what the model runs: the packed row map built
 *       on the host, one {@code Moe.dispatch} into [R, H], the experts' slices concatenated (the cat the
 *       layer does with real experts), one {@code Moe.combine}.</li>
 *   <li>{@code composed*}: {@link MoeLayer#composedDispatchAndCombine}, the reference: per expert an
 *       index_select of its rows and of its weights, a multiply, then one cat and an index_add into zeros.</li>
 * </ul>
 * {@code *Forward} runs without autograd; {@code *ForwardBackward} also back-propagates a fixed gradient to
 * the tokens and both combine weights. Both paths give the same output bit for bit (MoeFusedPathTest).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class MoeDispatchBenchmark {

    static final int TOKENS = EveShapes.BATCH * EveShapes.VL_TOKENS, HIDDEN = EveShapes.HIDDEN, EXPERTS = 32;
    private static final MoeLayer.ExpertFn IDENTITY = (expert, rows) -> rows;

    private RoutingPlan plan;
    private Tensor tokens, w1, w2, grad;

    @Setup(Level.Trial)
    public void setup() {
        Generator gen = new Generator(5);
        float[] logits = Tensor.randn(gen, TOKENS, EXPERTS).toFloatArray();
        float[] gates = Tensor.of(logits, TOKENS, EXPERTS).softmax(1).toFloatArray();
        plan = Gating.top2(gates, logits, null, TOKENS, EXPERTS, 1.0, 4, false);
        tokens = Tensor.randn(gen, TOKENS, HIDDEN);
        w1 = Tensor.rand(gen, TOKENS);
        w2 = Tensor.rand(gen, TOKENS);
        grad = Tensor.randn(gen, TOKENS, HIDDEN);
    }

    @Benchmark
    public Tensor fusedForward() {
        try (var ignored = NoGrad.enter()) {
            return MoeLayer.dispatchAndCombine(IDENTITY, tokens, plan, w1, w2);
        }
    }

    @Benchmark
    public Tensor composedForward() {
        try (var ignored = NoGrad.enter()) {
            return MoeLayer.composedDispatchAndCombine(IDENTITY, tokens, plan, w1, w2);
        }
    }

    @Benchmark
    public Tensor fusedForwardBackward() {
        Tensor x = tokens.detach().requiresGrad(true), a = w1.detach().requiresGrad(true), b = w2.detach().requiresGrad(true);
        MoeLayer.dispatchAndCombine(IDENTITY, x, plan, a, b).backward(grad);
        return x.grad();
    }

    @Benchmark
    public Tensor composedForwardBackward() {
        Tensor x = tokens.detach().requiresGrad(true), a = w1.detach().requiresGrad(true), b = w2.detach().requiresGrad(true);
        MoeLayer.composedDispatchAndCombine(IDENTITY, x, plan, a, b).backward(grad);
        return x.grad();
    }
}
