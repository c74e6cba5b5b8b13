package dev.eve.cuda.runtime;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The allocator's bookkeeping over a fake device memory (no GPU needed). */
class CachingAllocatorTest {

    /** Hands out fake addresses and remembers what is live. */
    static final class FakeMemory implements CachingAllocator.DeviceMemory {
        long next = 0x1000_0000L;
        long limit = Long.MAX_VALUE, used;
        final Set<Long> live = new HashSet<>();
        final java.util.Map<Long, Long> sizes = new java.util.HashMap<>();
        int mallocs, frees;

        @Override
        public long malloc(long bytes) {
            if (used + bytes > limit) return 0;
            long p = next;
            next += bytes + 4096;
            used += bytes;
            live.add(p);
            sizes.put(p, bytes);
            mallocs++;
            return p;
        }

        @Override
        public void free(long pointer) {
            assertTrue(live.remove(pointer), "free of an unknown pointer");
            used -= sizes.remove(pointer);
            frees++;
        }
    }

    @Test
    void sizeClasses() {
        assertEquals(0, CachingAllocator.roundSize(0));
        assertEquals(512, CachingAllocator.roundSize(1));
        assertEquals(512, CachingAllocator.roundSize(512));
        assertEquals(1024, CachingAllocator.roundSize(513));
        assertEquals(1L << 20, CachingAllocator.roundSize(1L << 20));
        long mb = 1L << 20;
        assertEquals(mb + mb / 4, CachingAllocator.roundSize(mb + 1));
        for (long s = 1; s < (1L << 34); s = s * 3 + 7) {
            long r = CachingAllocator.roundSize(s);
            assertTrue(r >= s, "round up");
            assertTrue(r <= Math.max(512, s + s / 4 + 512), "at most 25% (or 512 bytes) over: " + s + " -> " + r);
        }
    }

    @Test
    void freedBlocksAreReusedAndTheSteadyStateMallocsNothing() {
        FakeMemory mem = new FakeMemory();
        CachingAllocator a = new CachingAllocator(mem);
        Object stream = new Object();
        long[] sizes = {100, 4096, 3 << 20, 77, 1 << 22, 12345};
        for (int step = 0; step < 10; step++) {
            List<CachingAllocator.Block> blocks = new ArrayList<>();
            for (long s : sizes) blocks.add(a.allocate(s, stream));
            for (CachingAllocator.Block b : blocks) a.release(b);
            if (step == 0) assertEquals(sizes.length, a.stats().deviceMallocs());
        }
        CachingAllocator.Stats st = a.stats();
        assertEquals(sizes.length, st.deviceMallocs(), "no cudaMalloc after the first step");
        assertEquals(9L * sizes.length, st.cacheHits());
        assertEquals(10L * sizes.length, st.requests());
        assertEquals(0, st.allocatedBytes());
        long reserved = 0;
        for (long s : sizes) reserved += CachingAllocator.roundSize(s);
        assertEquals(reserved, st.reservedBytes());
        assertEquals(reserved, st.peakAllocatedBytes());
    }

    @Test
    void blocksAreCachedPerStream() {
        FakeMemory mem = new FakeMemory();
        CachingAllocator a = new CachingAllocator(mem);
        Object s1 = new Object(), s2 = new Object();
        CachingAllocator.Block b = a.allocate(1000, s1);
        a.release(b);
        CachingAllocator.Block other = a.allocate(1000, s2);
        assertNotEquals(b.pointer(), other.pointer(), "a block freed on one stream is not handed to another");
        CachingAllocator.Block same = a.allocate(1000, s1);
        assertEquals(b.pointer(), same.pointer());
    }

    @Test
    void emptyCacheReturnsCachedBlocksOnly() {
        FakeMemory mem = new FakeMemory();
        CachingAllocator a = new CachingAllocator(mem);
        Object s = new Object();
        CachingAllocator.Block kept = a.allocate(1 << 20, s), freed = a.allocate(2 << 20, s);
        a.release(freed);
        a.emptyCache();
        assertEquals(1, mem.frees);
        assertTrue(mem.live.contains(kept.pointer()));
        assertEquals(CachingAllocator.roundSize(1 << 20), a.stats().reservedBytes());
        assertEquals(a.stats().allocatedBytes(), a.stats().reservedBytes());
    }

    @Test
    void outOfMemoryEmptiesTheCacheAndRetriesThenFailsClearly() {
        FakeMemory mem = new FakeMemory();
        mem.limit = 3 << 20;
        CachingAllocator a = new CachingAllocator(mem);
        Object s = new Object();
        a.release(a.allocate(2 << 20, s)); // cached 2 MiB
        CachingAllocator.Block big = a.allocate((long) (2.5 * (1 << 20)), s); // needs the cache emptied
        assertNotEquals(0, big.pointer());
        assertEquals(1, mem.frees);
        CudaException e = assertThrows(CudaException.class, () -> a.allocate(8 << 20, s));
        assertTrue(e.getMessage().contains("out of memory"), e.getMessage());
    }

    @Test
    void doubleReleaseIsDetectedAndZeroSizedBlocksAreFree() {
        CachingAllocator a = new CachingAllocator(new FakeMemory());
        CachingAllocator.Block b = a.allocate(10, "s");
        a.release(b);
        assertThrows(IllegalStateException.class, () -> a.release(b));
        CachingAllocator.Block z = a.allocate(0, "s");
        assertEquals(0, z.pointer());
        a.release(z);
        assertEquals(1, a.stats().requests());
    }
}
