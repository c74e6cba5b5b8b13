package dev.eve.models.data.synthetic;

/**
 * The generator's only source of randomness: SplitMix64 (Steele, Lea and Flood), written out here so
 * that every drawn value is a pure function of the seed on every JDK (no dependency on the
 * unspecified algorithms of {@code java.util.random}). Streams are derived from the data set seed and
 * a path of keys (what is drawn, the split, the index), so any item can be generated on its own.
 */
final class Rng {

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private long state;

    Rng(long seed) {
        this.state = seed;
    }

    /** The stream for {@code keys} under {@code seed}: a hash chain, so different paths give independent streams. */
    static Rng of(long seed, long... keys) {
        long h = mix(seed ^ 0x5EED5EED5EED5EEDL);
        for (long k : keys) h = mix(h + GOLDEN + mix(k + GOLDEN));
        return new Rng(h);
    }

    /** The SplitMix64 finaliser (a bijection of 64-bit values with full avalanche). */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    long nextLong() {
        state += GOLDEN;
        return mix(state);
    }

    /** Uniform in {@code [0, bound)}, without modulo bias (Lemire's method with rejection). */
    int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive, got " + bound);
        while (true) {
            long r = nextLong() >>> 32;               // 32 random bits
            long m = r * bound;
            long low = m & 0xFFFFFFFFL;
            if (low >= bound || low >= (0x100000000L - bound) % bound) return (int) (m >>> 32);
        }
    }

    /** Uniform in {@code [lo, hi]} (both inclusive). */
    int between(int lo, int hi) {
        return lo + nextInt(hi - lo + 1);
    }

    /** Uniform in {@code [0, 1)} with 53 random bits. */
    double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in {@code [lo, hi)}. */
    double uniform(double lo, double hi) {
        return lo + (hi - lo) * nextDouble();
    }

    boolean nextBoolean() {
        return nextLong() < 0;
    }

    /** True with probability {@code p}. */
    boolean chance(double p) {
        return nextDouble() < p;
    }

    /** A uniformly chosen element. */
    <T> T pick(java.util.List<T> items) {
        return items.get(nextInt(items.size()));
    }

    /** Fisher-Yates shuffle in place. */
    <T> void shuffle(java.util.List<T> items) {
        for (int i = items.size() - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            T t = items.get(i);
            items.set(i, items.get(j));
            items.set(j, t);
        }
    }
}
