package dev.eve.core.tensor;

import org.apache.commons.rng.RestorableUniformRandomProvider;
import org.apache.commons.rng.core.RandomProviderDefaultState;
import org.apache.commons.rng.sampling.distribution.NormalizedGaussianSampler;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;
import org.apache.commons.rng.simple.RandomSource;

/**
 * A seeded source of random numbers (xoshiro256++ from Commons RNG) whose state can be saved and
 * restored exactly, so that training resumes on the same random stream and gradient checkpointing
 * replays the same dropout masks.
 *
 * <p>{@link #current()} is the generator ops use when none is given: the global one, unless the
 * calling thread installed its own with {@link #use(Generator)} (data-parallel replicas do).
 */
public final class Generator {

    private static volatile Generator global = new Generator(0x5EED_E7E0L);
    private static final ThreadLocal<Generator> THREAD = new ThreadLocal<>();

    private final long seed;
    private RestorableUniformRandomProvider rng;
    private NormalizedGaussianSampler gaussian;

    public Generator(long seed) {
        this.seed = seed;
        reset(seed);
    }

    private void reset(long s) {
        rng = (RestorableUniformRandomProvider) RandomSource.XO_SHI_RO_256_PP.create(s);
        gaussian = ZigguratSampler.NormalizedGaussian.of(rng);
    }

    /** The global generator. */
    public static Generator global() {
        return global;
    }

    /** Re-seeds the global generator (like {@code torch.manual_seed}). */
    public static void manualSeed(long seed) {
        global = new Generator(seed);
    }

    /** The generator of the calling thread: its own if installed, else the global one. */
    public static Generator current() {
        Generator g = THREAD.get();
        return g != null ? g : global;
    }

    /** Installs {@code g} as this thread's generator until the returned scope is closed. */
    public static AutoCloseable use(Generator g) {
        Generator previous = THREAD.get();
        THREAD.set(g);
        return () -> {
            if (previous == null) THREAD.remove();
            else THREAD.set(previous);
        };
    }

    public long seed() {
        return seed;
    }

    /** Uniform in [0, 1). */
    public synchronized float nextFloat() {
        return rng.nextFloat();
    }

    /** Uniform in [0, 1). */
    public synchronized double nextDouble() {
        return rng.nextDouble();
    }

    /** Standard normal. */
    public synchronized double nextGaussian() {
        return gaussian.sample();
    }

    /** Standard normal without locking, for the thread-confined generators of {@link #fillChunked}. */
    double gaussianUnsynchronized() {
        return gaussian.sample();
    }

    /** Uniform in [0, 1) without locking, for the thread-confined generators of {@link #fillChunked}. */
    double doubleUnsynchronized() {
        return rng.nextDouble();
    }

    /** Uniform in [0, bound). */
    public synchronized int nextInt(int bound) {
        return rng.nextInt(bound);
    }

    public synchronized long nextLong() {
        return rng.nextLong();
    }

    /** Fills a range of an array from one generator. */
    @FunctionalInterface
    public interface ChunkFiller {
        void fill(Generator gen, float[] out, int start, int end);
    }

    /** Elements per independently seeded chunk of a large fill. */
    public static final int FILL_CHUNK = 1 << 20;

    /**
     * Fills {@code out} in chunks of {@link #FILL_CHUNK} elements, each from its own generator seeded
     * in order from this one, so large fills run on all cores and still give the same numbers for
     * the same seed whatever the thread count. Small arrays are filled from this generator directly.
     */
    public void fillChunked(float[] out, ChunkFiller filler) {
        if (out.length <= FILL_CHUNK) {
            synchronized (this) {
                filler.fill(this, out, 0, out.length);
            }
            return;
        }
        int chunks = (out.length + FILL_CHUNK - 1) / FILL_CHUNK;
        long[] seeds = new long[chunks];
        synchronized (this) {
            for (int c = 0; c < chunks; c++) seeds[c] = rng.nextLong();
        }
        dev.eve.core.backend.cpu.Parallel.forChunks(chunks, c -> {
            int start = c * FILL_CHUNK, end = Math.min(out.length, start + FILL_CHUNK);
            filler.fill(new Generator(seeds[c]), out, start, end);
        });
    }

    /** Fills {@code out} with uniform values in [low, high). */
    public void fillUniform(float[] out, float low, float high) {
        float span = high - low;
        fillChunked(out, (g, o, s, e) -> {
            for (int i = s; i < e; i++) o[i] = low + span * g.rng.nextFloat();
        });
    }

    /** Fills {@code out} with normal values of the given mean and standard deviation. */
    public void fillNormal(float[] out, float mean, float std) {
        fillChunked(out, (g, o, s, e) -> {
            for (int i = s; i < e; i++) o[i] = (float) (mean + std * g.gaussian.sample());
        });
    }

    /** The exact state, for checkpoints. */
    public synchronized byte[] saveState() {
        return ((RandomProviderDefaultState) rng.saveState()).getState();
    }

    /** Restores a state produced by {@link #saveState()}. */
    public synchronized void restoreState(byte[] state) {
        try {
            rng.restoreState(new RandomProviderDefaultState(state));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid generator state (" + state.length + " bytes): " + e.getMessage(), e);
        }
        // The Ziggurat sampler keeps no cached values, so it needs no state of its own.
    }

    /** A new, independent generator derived from this one (for per-worker streams). */
    public synchronized Generator spawn() {
        return new Generator(rng.nextLong());
    }
}
