package dev.eve.models.text.spm;

/**
 * An open-addressing map from non-negative long keys to non-negative int values; {@link #get} returns -1 when
 * absent. Key and value sit side by side in one array, so a lookup touches one cache line.
 */
final class LongIntMap {

    private static final long EMPTY = -1L;

    private long[] slots; // [2i] key, [2i + 1] value
    private int size, mask;

    LongIntMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(8, expected * 2 - 1)) << 1;
        slots = new long[2 * cap];
        java.util.Arrays.fill(slots, EMPTY);
        mask = cap - 1;
    }

    private static int hash(long k) {
        k *= 0x9E3779B97F4A7C15L;
        return (int) (k ^ (k >>> 32));
    }

    void put(long k, int v) {
        if (k < 0) throw new IllegalArgumentException("negative key");
        if ((size + 1) * 2 > mask + 1) grow();
        int h = hash(k) & mask;
        while (true) {
            long s = slots[2 * h];
            if (s == EMPTY) {
                slots[2 * h] = k;
                slots[2 * h + 1] = v;
                size++;
                return;
            }
            if (s == k) {
                slots[2 * h + 1] = v;
                return;
            }
            h = (h + 1) & mask;
        }
    }

    int get(long k) {
        int h = hash(k) & mask;
        while (true) {
            long s = slots[2 * h];
            if (s == k) return (int) slots[2 * h + 1];
            if (s == EMPTY) return -1;
            h = (h + 1) & mask;
        }
    }

    private void grow() {
        long[] old = slots;
        slots = new long[old.length * 2];
        java.util.Arrays.fill(slots, EMPTY);
        mask = slots.length / 2 - 1;
        size = 0;
        for (int i = 0; i < old.length; i += 2) if (old[i] != EMPTY) put(old[i], (int) old[i + 1]);
    }
}
