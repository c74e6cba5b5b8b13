package dev.eve.bench;

import dev.eve.core.nn.F;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Fused scaled-dot-product attention at EVE-Base shapes (B=8, H=12, D=64; N=237 joint tokens, 197
 * vision tokens) with a key-padding mask, forward and forward+backward.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx8g"})
public class AttentionBenchmark {

    @Param({"237", "197"})
    public int tokens;

    private Tensor q, k, v, mask, gradOut;

    @Setup(Level.Trial)
    public void setup() {
        Generator gen = new Generator(2);
        int[] shape = {EveShapes.BATCH, EveShapes.HEADS, tokens, EveShapes.HEAD_DIM};
        q = Tensor.randn(gen, shape);
        k = Tensor.randn(gen, shape);
        v = Tensor.randn(gen, shape);
        gradOut = Tensor.randn(gen, shape);
        long[] m = new long[EveShapes.BATCH * tokens];
        for (int b = 0; b < EveShapes.BATCH; b++)
            for (int j = 0; j < tokens; j++) m[b * tokens + j] = j < tokens - 3 * b ? 1 : 0;
        mask = Tensor.of(m, EveShapes.BATCH, tokens);
    }

    @Benchmark
    public Tensor forward() {
        return F.scaledDotProductAttention(q, k, v, mask);
    }

    @Benchmark
    public Tensor forwardBackward() {
        Tensor ql = q.detach().requiresGrad(true), kl = k.detach().requiresGrad(true), vl = v.detach().requiresGrad(true);
        F.scaledDotProductAttention(ql, kl, vl, mask).backward(gradOut);
        return ql.grad();
    }
}
