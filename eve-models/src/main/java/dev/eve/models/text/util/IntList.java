package dev.eve.models.text.util;

import java.util.Arrays;

/** A growable int array (no boxing). */
public final class IntList {

    private int[] a;
    private int n;

    public IntList() {
        this(16);
    }

    public IntList(int capacity) {
        a = new int[Math.max(4, capacity)];
    }

    public void add(int v) {
        if (n == a.length) a = Arrays.copyOf(a, a.length * 2);
        a[n++] = v;
    }

    public void add(int v1, int v2, int v3) {
        if (n + 3 > a.length) a = Arrays.copyOf(a, Math.max(a.length * 2, n + 3));
        a[n] = v1;
        a[n + 1] = v2;
        a[n + 2] = v3;
        n += 3;
    }

    public int get(int i) {
        return a[i];
    }

    public void set(int i, int v) {
        a[i] = v;
    }

    public int size() {
        return n;
    }

    public void truncate(int size) {
        n = size;
    }

    public void clear() {
        n = 0;
    }

    public int last() {
        return a[n - 1];
    }

    public int[] toArray() {
        return Arrays.copyOf(a, n);
    }

    /** The backing array (valid up to {@link #size()}). */
    public int[] raw() {
        return a;
    }
}
