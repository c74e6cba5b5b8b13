package dev.eve.cuda.nvrtc;

import dev.eve.cuda.runtime.CudaException;
import dev.eve.cuda.runtime.CudaUnavailableException;
import org.bytedeco.cuda.nvrtc._nvrtcProgram;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.bytedeco.cuda.global.nvrtc.*;

/**
 * Compiles the {@code native/*.cu} resources with NVRTC for the compute capability of the GPU present,
 * straight to a cubin (SASS), and keeps the result in a {@link CubinCache} on disk: the first run on a
 * machine compiles (about a second per file), later runs load.
 */
public final class KernelCompiler {

    /** Options common to every file; the architecture is added per device. */
    public static final List<String> OPTIONS = List.of("-std=c++17", "--fmad=true", "-DEVE_NVRTC=1");

    private static final KernelCompiler SHARED = new KernelCompiler(new CubinCache(CubinCache.defaultDirectory()));

    private final CubinCache cache;
    private final Map<String, byte[]> memory = new ConcurrentHashMap<>();
    private volatile String version;
    private volatile long compilations, diskHits;

    public KernelCompiler(CubinCache cache) {
        this.cache = cache;
    }

    /** The compiler of the default cache directory. */
    public static KernelCompiler shared() {
        return SHARED;
    }

    public CubinCache cache() {
        return cache;
    }

    /** Number of NVRTC compilations and of disk-cache loads since start. */
    public long compilations() {
        return compilations;
    }

    public long diskHits() {
        return diskHits;
    }

    /** The options for an architecture, e.g. 90 gives {@code --gpu-architecture=sm_90}. */
    public static List<String> options(int computeCapability) {
        List<String> o = new ArrayList<>(OPTIONS);
        o.add("--gpu-architecture=sm_" + computeCapability);
        return o;
    }

    /** The cubin of {@code native/<fileName>} for {@code sm_<computeCapability>}, from memory, disk or NVRTC. */
    public byte[] cubin(String fileName, int computeCapability) {
        NativeSources.Source src = NativeSources.load(fileName);
        List<String> opts = options(computeCapability);
        String arch = "sm_" + computeCapability;
        String key = CubinCache.key(fileName, src.text(), src.headers(), opts, arch, nvrtcVersion());
        byte[] b = memory.get(key);
        if (b != null) return b;
        synchronized (this) {
            b = memory.get(key);
            if (b != null) return b;
            b = cache.read(key);
            if (b != null) {
                diskHits++;
            } else {
                b = compile(src, opts);
                compilations++;
                try {
                    cache.write(key, b);
                } catch (RuntimeException e) {
                    System.err.println("eve-cuda: " + e.getMessage() + " (continuing without the disk cache)");
                }
            }
            memory.put(key, b);
            return b;
        }
    }

    /** NVRTC's version, {@code nvrtc-13.0}; loads the library (one-line error when it is missing). */
    public String nvrtcVersion() {
        String v = version;
        if (v == null) {
            loadNvrtc();
            int[] major = new int[1], minor = new int[1];
            check(org.bytedeco.cuda.global.nvrtc.nvrtcVersion(major, minor), "nvrtcVersion");
            version = v = "nvrtc-" + major[0] + "." + minor[0];
        }
        return v;
    }

    private static void loadNvrtc() {
        try {
            Loader.load(org.bytedeco.cuda.global.nvrtc.class);
        } catch (Throwable t) {
            String ld = System.getenv("LD_LIBRARY_PATH");
            throw new CudaUnavailableException("NVRTC unavailable: could not load libnvrtc.so.13 (LD_LIBRARY_PATH="
                    + (ld == null || ld.isEmpty() ? "<unset>" : ld) + "): "
                    + String.valueOf(t.getMessage()).replace('\n', ' '));
        }
    }

    private static byte[] compile(NativeSources.Source src, List<String> opts) {
        int nh = src.headers().size();
        PointerPointer<?> headerTexts = new PointerPointer<>(Math.max(nh, 1));
        PointerPointer<?> headerNames = new PointerPointer<>(Math.max(nh, 1));
        List<BytePointer> keep = new ArrayList<>();
        int i = 0;
        for (Map.Entry<String, String> h : src.headers().entrySet()) {
            BytePointer text = new BytePointer(h.getValue()), name = new BytePointer(h.getKey());
            keep.add(text);
            keep.add(name);
            headerTexts.put(i, text);
            headerNames.put(i, name);
            i++;
        }
        _nvrtcProgram prog = new _nvrtcProgram();
        check(nvrtcCreateProgram(prog, new BytePointer(src.text()), new BytePointer(src.fileName()), nh,
                nh == 0 ? null : headerTexts, nh == 0 ? null : headerNames), "nvrtcCreateProgram(" + src.fileName() + ")");
        try {
            PointerPointer<?> optPtrs = new PointerPointer<>(opts.size());
            for (int j = 0; j < opts.size(); j++) {
                BytePointer o = new BytePointer(opts.get(j));
                keep.add(o);
                optPtrs.put(j, o);
            }
            int rc = nvrtcCompileProgram(prog, opts.size(), optPtrs);
            if (rc != NVRTC_SUCCESS)
                throw new CudaException("NVRTC could not compile native/" + src.fileName() + " " + opts + ": "
                        + nvrtcGetErrorString(rc).getString() + "\n" + log(prog));
            SizeTPointer size = new SizeTPointer(1);
            check(nvrtcGetCUBINSize(prog, size), "nvrtcGetCUBINSize");
            BytePointer out = new BytePointer(size.get());
            check(nvrtcGetCUBIN(prog, out), "nvrtcGetCUBIN");
            byte[] b = new byte[(int) size.get()];
            out.get(b);
            return b;
        } finally {
            nvrtcDestroyProgram(prog);
            keep.clear();
        }
    }

    private static String log(_nvrtcProgram prog) {
        SizeTPointer size = new SizeTPointer(1);
        if (nvrtcGetProgramLogSize(prog, size) != NVRTC_SUCCESS) return "(no log)";
        BytePointer b = new BytePointer(size.get() + 1);
        nvrtcGetProgramLog(prog, b);
        return b.getString();
    }

    private static void check(int rc, String call) {
        if (rc != NVRTC_SUCCESS) throw new CudaException(call + " failed: " + nvrtcGetErrorString(rc).getString());
    }
}
