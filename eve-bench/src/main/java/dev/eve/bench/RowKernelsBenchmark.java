package dev.eve.bench;

import dev.eve.core.autograd.NoGrad;
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
 * The fused row kernels at EVE-Base shapes: softmax over attention scores [8*12*237, 237],
 * log-softmax over the MLM vocabulary [8*40, 64010], layer norm over [8*237, 768], forward and
 * backward. {@link PeerReport} runs PyTorch on the same shapes and prints the ratios.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx8g"})
public class RowKernelsBenchmark {

    @Param({"softmax_scores", "log_softmax_vocab", "layer_norm"})
    public String kernel;

    private Tensor x, grad, y, weight, bias;
    private Tensor[] saved;

    @Setup(Level.Trial)
    public void setup() {
        Generator gen = new Generator(1);
        int[] shape = switch (kernel) {
            case "softmax_scores" -> new int[] {EveShapes.BATCH * EveShapes.HEADS * EveShapes.VL_TOKENS, EveShapes.VL_TOKENS};
            case "log_softmax_vocab" -> new int[] {EveShapes.BATCH * EveShapes.TEXT, EveShapes.VOCAB};
            case "layer_norm" -> new int[] {EveShapes.BATCH * EveShapes.VL_TOKENS, EveShapes.HIDDEN};
            default -> throw new IllegalArgumentException(kernel);
        };
        x = Tensor.randn(gen, shape);
        grad = Tensor.randn(gen, shape);
        weight = Tensor.randn(gen, shape[1]);
        bias = Tensor.randn(gen, shape[1]);
        y = forward();
        if (kernel.equals("layer_norm")) saved = x.backend().layerNorm(x, weight, bias, 1e-5f);
    }

    private Tensor forward() {
        try (var ignored = NoGrad.enter()) {
            return switch (kernel) {
                case "softmax_scores" -> x.softmax(-1);
                case "log_softmax_vocab" -> x.logSoftmax(-1);
                default -> F.layerNorm(x, weight, bias, 1e-5);
            };
        }
    }

    @Benchmark
    public Tensor forwardPass() {
        return forward();
    }

    @Benchmark
    public Object backwardPass() {
        return switch (kernel) {
            case "softmax_scores" -> x.backend().softmaxBackward(y, grad, false);
            case "log_softmax_vocab" -> x.backend().softmaxBackward(y, grad, true);
            default -> x.backend().layerNormBackward(grad, x, saved[1], saved[2], weight, true);
        };
    }
}
