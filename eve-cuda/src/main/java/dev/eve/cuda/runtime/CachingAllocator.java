package dev.eve.cuda.runtime;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A caching device allocator in the manner of PyTorch's: requests are rounded up to a size class,
 * freed blocks go back to a per-stream bin of their class and are handed out again without a
 * {@code cudaMalloc}, so a training loop that allocates the same shapes every step reaches a steady
 * state with no device allocation at all. {@link #emptyCache()} returns the cached blocks to the driver.
 *
 * <p>Reuse is safe because all work on one stream is ordered: a block released by the host is reused
 * only by later work on the same stream. The device side is behind {@link DeviceMemory}, so the
 * bookkeeping is tested without a GPU.
 */
public final class CachingAllocator {

    /** The raw allocator underneath ({@code cudaMalloc}/{@code cudaFree} on a GPU). */
    public interface DeviceMemory {
        /** A new device block of {@code bytes}, or 0 when out of memory. */
        long malloc(long bytes);

        void free(long pointer);
    }

    /** One block handed out: the address, the rounded size and the stream whose work uses it. */
    public static final class Block {
        private final long pointer;
        private final long size;
        private final Object stream;
        private boolean live;

        Block(long pointer, long size, Object stream) {
            this.pointer = pointer;
            this.size = size;
            this.stream = stream;
        }

        public long pointer() {
            return pointer;
        }

        /** The rounded size in bytes. */
        public long size() {
            return size;
        }

        public Object stream() {
            return stream;
        }
    }

    /**
     * Counters since creation (or the last {@link #resetPeak()} for the peak): bytes handed out and not
     * yet released, bytes held from the driver, the highest allocated value, device allocations and
     * frees, requests served from the cache, all requests.
     */
    public record Stats(long allocatedBytes, long reservedBytes, long peakAllocatedBytes, long deviceMallocs,
                        long deviceFrees, long cacheHits, long requests) {}

    /** Requests up to this size are rounded to {@link #SMALL_ROUND} bytes. */
    static final long SMALL_LIMIT = 1L << 20;
    static final long SMALL_ROUND = 512;

    private final DeviceMemory memory;
    private final Map<Object, Map<Long, ArrayDeque<Block>>> free = new HashMap<>();
    private long allocated, reserved, peak, mallocs, frees, hits, requests;

    public CachingAllocator(DeviceMemory memory) {
        this.memory = memory;
    }

    /**
     * The size class of a request: multiples of 512 bytes up to 1 MiB, then four classes per power of
     * two (at most 25% over the request).
     */
    public static long roundSize(long bytes) {
        if (bytes <= 0) return 0;
        if (bytes <= SMALL_LIMIT) return (bytes + SMALL_ROUND - 1) / SMALL_ROUND * SMALL_ROUND;
        long step = Long.highestOneBit(bytes - 1) / 4;
        return (bytes + step - 1) / step * step;
    }

    /** A block of at least {@code bytes} for work on {@code stream}; zero bytes give a null block. */
    public synchronized Block allocate(long bytes, Object stream) {
        long size = roundSize(bytes);
        if (size == 0) return new Block(0, 0, stream);
        requests++;
        Map<Long, ArrayDeque<Block>> bins = free.get(stream);
        ArrayDeque<Block> bin = bins == null ? null : bins.get(size);
        Block b;
        if (bin != null && !bin.isEmpty()) {
            b = bin.pop();
            hits++;
        } else {
            long p = memory.malloc(size);
            if (p == 0) {
                emptyCache();
                p = memory.malloc(size);
            }
            if (p == 0)
                throw new CudaException("CUDA out of memory: tried to allocate " + size + " bytes (" + allocated
                        + " allocated, " + reserved + " reserved by EVE's caching allocator)");
            mallocs++;
            reserved += size;
            b = new Block(p, size, stream);
        }
        b.live = true;
        allocated += size;
        peak = Math.max(peak, allocated);
        return b;
    }

    /** Returns a block to its stream's cache (no device call). */
    public synchronized void release(Block b) {
        if (b.size == 0) return;
        if (!b.live) throw new IllegalStateException("block " + Long.toHexString(b.pointer) + " released twice");
        b.live = false;
        allocated -= b.size;
        free.computeIfAbsent(b.stream, s -> new HashMap<>()).computeIfAbsent(b.size, s -> new ArrayDeque<>()).push(b);
    }

    /** Frees every cached (unused) block back to the driver. */
    public synchronized void emptyCache() {
        List<Block> all = new ArrayList<>();
        for (Map<Long, ArrayDeque<Block>> bins : free.values())
            for (ArrayDeque<Block> bin : bins.values()) all.addAll(bin);
        free.clear();
        for (Block b : all) {
            memory.free(b.pointer);
            frees++;
            reserved -= b.size;
        }
    }

    public synchronized Stats stats() {
        return new Stats(allocated, reserved, peak, mallocs, frees, hits, requests);
    }

    /** Starts a new peak measurement at the current allocation. */
    public synchronized void resetPeak() {
        peak = allocated;
    }
}
