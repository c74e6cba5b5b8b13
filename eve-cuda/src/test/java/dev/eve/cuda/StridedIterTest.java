package dev.eve.cuda;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.*;

class StridedIterTest {

    @Test
    void contiguousOperandsMergeToOneDim() {
        StridedIter it = StridedIter.of(new int[] {2, 3, 4}, new int[] {12, 4, 1}, new int[] {12, 4, 1});
        assertEquals(1, it.ndim());
        assertEquals(24, it.numel());
        assertArrayEquals(new int[] {24}, it.shape());
        assertArrayEquals(new int[] {1}, it.strides(1));
    }

    @Test
    void broadcastAndTransposedDimsStaySeparate() {
        // b broadcast along dim 1: [2,3,4] with strides {4,0,1}
        StridedIter it = StridedIter.of(new int[] {2, 3, 4}, new int[] {12, 4, 1}, new int[] {4, 0, 1});
        assertArrayEquals(new int[] {2, 3, 4}, it.shape());
        StridedIter t = StridedIter.of(new int[] {3, 4}, new int[] {4, 1}, new int[] {1, 3});
        assertArrayEquals(new int[] {3, 4}, t.shape());
    }

    @Test
    void sizeOneDimsAreDroppedAndScalarsHaveRankZero() {
        StridedIter it = StridedIter.of(new int[] {1, 5, 1}, new int[] {5, 1, 1}, new int[] {7, 2, 9});
        assertArrayEquals(new int[] {5}, it.shape());
        assertArrayEquals(new int[] {2}, it.strides(1));
        StridedIter s = StridedIter.of(new int[] {}, new int[] {});
        assertEquals(0, s.ndim());
        assertEquals(1, s.numel());
    }

    @Test
    void structLayoutMatchesCommonCuh() {
        assertEquals(168, StridedIter.BYTES);
        StridedIter it = StridedIter.raw(new int[] {2, 3}, new int[] {3, 1}, new int[] {0, 5});
        ByteBuffer b = ByteBuffer.wrap(it.toBytes()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(2, b.getInt(0));
        assertEquals(6, b.getInt(4));
        assertEquals(2, b.getInt(8));
        assertEquals(3, b.getInt(12));
        int strideBase = 8 + 4 * StridedIter.MAX_DIMS;
        assertEquals(3, b.getInt(strideBase));
        assertEquals(1, b.getInt(strideBase + 4));
        assertEquals(0, b.getInt(strideBase + 4 * StridedIter.MAX_DIMS));
        assertEquals(5, b.getInt(strideBase + 4 * StridedIter.MAX_DIMS + 4));
    }

    @Test
    void tooManyDimsIsAClearError() {
        int[] shape = {2, 2, 2, 2, 2, 2, 2, 2, 2};
        int[] st = {1, 2, 4, 8, 16, 32, 64, 128, 256}; // reversed: nothing merges
        assertThrows(IllegalArgumentException.class, () -> StridedIter.of(shape, st));
    }
}
