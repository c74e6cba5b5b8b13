package dev.eve.models.util;

/**
 * {@code np.argsort(x)} with numpy's default {@code kind='quicksort'} (the introsort of numpy 1.24's
 * {@code aquicksort_}: median-of-3 pivot, partitions of more than 16 elements, insertion sort for 16 or fewer,
 * heapsort past a depth of 2 floor(log2 n)). Reproducing the algorithm matters because it decides
 * the order of EQUAL values, and retrieval recall after re-ranking depends on it (most scores are
 * exactly -100). NaN sorts last, as in numpy.
 */
public final class NumpyArgsort {

    private static final int SMALL_QUICKSORT = 15;   // partitions while pr - pl > 15, i.e. rows above 16

    private NumpyArgsort() {}

    private static boolean less(float a, float b) {
        return a < b || (b != b && a == a);
    }

    /** Indices that sort {@code v} ascending, as numpy 1.24 returns them. */
    public static int[] argsort(float[] v) {
        int n = v.length;
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        if (n < 2) return idx;
        int[] stack = new int[128];
        int[] depth = new int[64];
        int sp = 0, dp = 0;
        int pl = 0, pr = n - 1;
        int cdepth = (31 - Integer.numberOfLeadingZeros(n)) * 2;
        for (;;) {
            if (cdepth < 0) {
                heapsort(v, idx, pl, pr - pl + 1);
            } else {
                while (pr - pl > SMALL_QUICKSORT) {
                    int pm = pl + ((pr - pl) >> 1);
                    if (less(v[idx[pm]], v[idx[pl]])) swap(idx, pm, pl);
                    if (less(v[idx[pr]], v[idx[pm]])) swap(idx, pr, pm);
                    if (less(v[idx[pm]], v[idx[pl]])) swap(idx, pm, pl);
                    float vp = v[idx[pm]];
                    int pi = pl, pj = pr - 1;
                    swap(idx, pm, pj);
                    for (;;) {
                        do {
                            ++pi;
                        } while (less(v[idx[pi]], vp));
                        do {
                            --pj;
                        } while (less(vp, v[idx[pj]]));
                        if (pi >= pj) break;
                        swap(idx, pi, pj);
                    }
                    swap(idx, pi, pr - 1);
                    // Push the larger partition, continue with the smaller one.
                    if (pi - pl < pr - pi) {
                        stack[sp++] = pi + 1;
                        stack[sp++] = pr;
                        pr = pi - 1;
                    } else {
                        stack[sp++] = pl;
                        stack[sp++] = pi - 1;
                        pl = pi + 1;
                    }
                    depth[dp++] = --cdepth;
                }
                for (int pi = pl + 1; pi <= pr; ++pi) {
                    int vi = idx[pi];
                    float vp = v[vi];
                    int pj = pi, pk = pi - 1;
                    while (pj > pl && less(vp, v[idx[pk]])) idx[pj--] = idx[pk--];
                    idx[pj] = vi;
                }
            }
            if (sp == 0) break;
            pr = stack[--sp];
            pl = stack[--sp];
            cdepth = depth[--dp];
        }
        return idx;
    }

    /** numpy's aheapsort_ on idx[start .. start+n). */
    private static void heapsort(float[] v, int[] idx, int start, int n) {
        // 1-based heap over idx[start-1+1 .. start-1+n].
        int base = start - 1;
        for (int l = n >> 1; l > 0; --l) sift(v, idx, base, l, n, idx[base + l]);
        for (int m = n; m > 1; ) {
            int tmp = idx[base + m];
            idx[base + m] = idx[base + 1];
            m -= 1;
            sift(v, idx, base, 1, m, tmp);
        }
    }

    private static void sift(float[] v, int[] idx, int base, int l, int n, int tmp) {
        int i = l, j = l << 1;
        while (j <= n) {
            if (j < n && less(v[idx[base + j]], v[idx[base + j + 1]])) j += 1;
            if (less(v[tmp], v[idx[base + j]])) {
                idx[base + i] = idx[base + j];
                i = j;
                j += j;
            } else {
                break;
            }
        }
        idx[base + i] = tmp;
    }

    private static void swap(int[] a, int i, int j) {
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
