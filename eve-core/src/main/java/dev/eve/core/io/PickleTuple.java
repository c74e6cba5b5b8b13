package dev.eve.core.io;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.RandomAccess;

/**
 * A Python tuple as read from (or to be written to) a pickle: an immutable {@link java.util.List}
 * that may hold nulls (Python {@code None}). {@link PickleWriter} writes it as a tuple, any other
 * list as a Python list.
 */
public final class PickleTuple extends AbstractList<Object> implements RandomAccess {

    private static final PickleTuple EMPTY = new PickleTuple(new Object[0]);

    private final Object[] items;

    private PickleTuple(Object[] items) {
        this.items = items;
    }

    /** A tuple of the given items (copied). */
    public static PickleTuple of(Object... items) {
        return items.length == 0 ? EMPTY : new PickleTuple(items.clone());
    }

    /** Takes ownership of the array. */
    static PickleTuple wrap(Object[] items) {
        return items.length == 0 ? EMPTY : new PickleTuple(items);
    }

    @Override
    public Object get(int index) {
        return items[index];
    }

    @Override
    public int size() {
        return items.length;
    }

    @Override
    public Object[] toArray() {
        return Arrays.copyOf(items, items.length);
    }
}
