package dev.eve.bench;

import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas.CblasTrans;

import dev.eve.core.backend.cpu.Parallel;
import dev.eve.core.backend.cpu.Sgemm;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-precision GEMM, our {@link Sgemm} against OpenBLAS ({@code cblas_sgemm} through JavaCPP) with the
 * same thread count ({@link Parallel#threads()}, i.e. {@code EVE_NUM_THREADS} or all cores), at the shapes of
 * EVE-Base's linear layers at batch 8 ({@code shape} = M x K x N; 1896 = 8 x 237 tokens).
 *
 * <p>{@code layout} {@code NN}: C = A B with B stored K x N; {@code NT}: C = A B^T with B stored N x K, the
 * way a linear layer uses its weight (y = x W^T). C is overwritten (beta = 0) every call. Throughput is
 * reported as time per call; {@link GemmReport} turns it into GFLOP/s (2 M N K per call) and the ratio.
 *
 * <p>Run OpenBLAS with {@code OPENBLAS_CORETYPE} and {@code OPENBLAS_L2_SIZE} unset: either one pins it to
 * slower kernels than its auto-detection picks (a loud warning is printed when they are set).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xms2g", "-Xmx4g", "-Xss8m"})
public class GemmBenchmark {

    /** The environment variables that hold OpenBLAS to kernels slower than the ones it would pick. */
    static final String[] OPENBLAS_PINNING_VARIABLES = {"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"};

    @Param({"eve", "openblas"})
    public String backend;

    /** M x K x N. */
    @Param({"1896x768x3072", "1896x3072x768", "1896x768x2304", "2048x2048x2048"})
    public String shape;

    @Param({"NN", "NT"})
    public String layout;

    private int m, n, k;
    private boolean transB;
    private float[] a, b, c;
    private FloatPointer pa, pb, pc;

    @Setup(Level.Trial)
    public void setup() {
        int[] d = EveShapes.parse(shape);
        if (d.length != 3) throw new IllegalArgumentException("shape must be MxKxN, got " + shape);
        m = d[0];
        k = d[1];
        n = d[2];
        transB = switch (layout) {
            case "NN" -> false;
            case "NT" -> true;
            default -> throw new IllegalArgumentException("layout must be NN or NT, got " + layout);
        };
        SplittableRandom r = new SplittableRandom(42);
        a = random(r, (long) m * k);
        b = random(r, (long) k * n);
        c = new float[m * n];
        switch (backend) {
            case "eve" -> { }
            case "openblas" -> {
                warnIfOpenBlasPinned();
                openblas.blas_set_num_threads(Parallel.threads());   // openblas_set_num_threads
                pa = new FloatPointer(a);
                pb = new FloatPointer(b);
                pc = new FloatPointer(c);
            }
            default -> throw new IllegalArgumentException("backend must be eve or openblas, got " + backend);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (FloatPointer p : new FloatPointer[] {pa, pb, pc}) if (p != null) p.close();
        pa = pb = pc = null;
    }

    @Benchmark
    public void gemm() {
        if (pa == null) {
            Sgemm.sgemm(false, transB, m, n, k, 1f, a, 0, k, b, 0, transB ? k : n, 0f, c, 0, n);
        } else {
            openblas.cblas_sgemm(CblasRowMajor, CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k,
                    1f, pa, k, pb, transB ? k : n, 0f, pc, n);
        }
    }

    /** Prints a loud warning to stderr when this process's environment pins OpenBLAS; returns whether it does. */
    static boolean warnIfOpenBlasPinned() {
        StringBuilder set = new StringBuilder();
        for (String v : OPENBLAS_PINNING_VARIABLES) {
            String value = System.getenv(v);
            if (value != null) set.append(' ').append(v).append('=').append(value);
        }
        if (set.isEmpty()) return false;
        String bar = "!".repeat(100);
        System.err.println(bar);
        System.err.println("!!! WARNING: OpenBLAS is pinned by the environment:" + set);
        System.err.println("!!! This holds it to slower (e.g. AVX2) kernels, so the comparison is unfair to OpenBLAS.");
        System.err.println("!!! Run with: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE java ...");
        System.err.println(bar);
        return true;
    }

    private static float[] random(SplittableRandom r, long len) {
        float[] x = new float[Math.toIntExact(len)];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return x;
    }
}
