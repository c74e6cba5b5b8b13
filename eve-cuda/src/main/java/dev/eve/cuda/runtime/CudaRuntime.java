package dev.eve.cuda.runtime;

import org.bytedeco.javacpp.Loader;

import java.util.Locale;

import static org.bytedeco.cuda.global.cudart.*;

/**
 * Loads the JavaCPP CUDA presets once and says whether GPUs can be used here. Nothing in this class
 * throws while probing: {@link #availability()} reports, {@link #require()} turns the report into a
 * one-line {@link CudaUnavailableException}.
 *
 * <p>The presets' JNI bridges ({@code libjnicudart.so}, ...) come from the {@code org.bytedeco:cuda}
 * linux-x86_64 jar; the CUDA libraries themselves come from the machine: the driver's {@code
 * libcuda.so.1}, and {@code libcudart.so.13}, {@code libnvrtc.so.13}, {@code libcublas(Lt).so.13}
 * from a toolkit or the {@code nvidia/} folders of a pip-installed PyTorch, found through {@code
 * LD_LIBRARY_PATH} or {@code EVE_CUDA_LIBRARY_PATH} (see {@link #preload()}).
 */
public final class CudaRuntime {

    /** What the probe found. {@code reason} is null when available. */
    public record Availability(boolean available, int deviceCount, int driverVersion, int runtimeVersion, String reason) {}

    /** The libraries the presets need, in the order they are loaded. */
    public static final String RUNTIME_LIBRARIES = "libcuda.so.1 (NVIDIA driver), libcudart.so.13";

    private static volatile Availability availability;

    private CudaRuntime() {}

    /** Probes once (loading the presets and counting devices); never throws. */
    public static Availability availability() {
        Availability a = availability;
        if (a == null) {
            synchronized (CudaRuntime.class) {
                a = availability;
                if (a == null) availability = a = probe();
            }
        }
        return a;
    }

    /** True when at least one GPU can be used. */
    public static boolean isAvailable() {
        return availability().available();
    }

    /** Number of usable GPUs (0 when unavailable). */
    public static int deviceCount() {
        Availability a = availability();
        return a.available() ? a.deviceCount() : 0;
    }

    /** Throws the one-line reason when no GPU can be used. */
    public static void require() {
        Availability a = availability();
        if (!a.available()) throw new CudaUnavailableException(a.reason());
    }

    private static Availability probe() {
        if (Boolean.getBoolean("eve.cuda.disable") || "1".equals(System.getenv("EVE_CUDA_DISABLE")))
            return new Availability(false, 0, 0, 0, "CUDA disabled (eve.cuda.disable / EVE_CUDA_DISABLE)");
        String preloaded = preload();
        try {
            Loader.load(org.bytedeco.cuda.global.cudart.class);
        } catch (Throwable t) {
            return new Availability(false, 0, 0, 0, unavailableMessage(t) + preloaded);
        }
        try {
            int[] v = new int[1];
            int driver = cudaDriverGetVersion(v) == cudaSuccess ? v[0] : 0;
            int runtime = cudaRuntimeGetVersion(v) == cudaSuccess ? v[0] : 0;
            int[] count = new int[1];
            int rc = cudaGetDeviceCount(count);
            if (rc != cudaSuccess || count[0] == 0) {
                String err = rc != cudaSuccess ? errorName(rc) : "no device";
                return new Availability(false, 0, driver, runtime,
                        "CUDA unavailable: no GPU (cudaGetDeviceCount: " + err + "); looked for " + RUNTIME_LIBRARIES
                                + " (loaded: driver " + version(driver) + ", runtime " + version(runtime) + "; LD_LIBRARY_PATH="
                                + envOrUnset("LD_LIBRARY_PATH") + ", CUDA_VISIBLE_DEVICES=" + envOrUnset("CUDA_VISIBLE_DEVICES")
                                + "); device count 0");
            }
            return new Availability(true, count[0], driver, runtime, null);
        } catch (Throwable t) {
            return new Availability(false, 0, 0, 0, unavailableMessage(t));
        }
    }

    /** Libraries {@link #preload} looks for, in dependency order. */
    static final String[] PRELOAD = {"libcudart.so.13", "libnvrtc-builtins.so.13.0", "libnvrtc-builtins.so.13.1",
            "libnvrtc.so.13", "libcublasLt.so.13", "libcublas.so.13"};

    /**
     * Loads the CUDA libraries by absolute path from the folders of {@code EVE_CUDA_LIBRARY_PATH} (or the
     * system property {@code eve.cuda.libraryPath}), colon-separated, e.g. the {@code nvidia/cu13/lib} or
     * {@code nvidia/{cuda_runtime,cublas,cuda_nvrtc}/lib} folders of a pip-installed PyTorch. Once loaded, the
     * dynamic loader resolves the presets' references to them by soname, so LD_LIBRARY_PATH is not needed.
     * Returns "" or a note for the error message ("; EVE_CUDA_LIBRARY_PATH=...: loaded ...").
     */
    static String preload() {
        String path = System.getProperty("eve.cuda.libraryPath");
        if (path == null || path.isBlank()) path = System.getenv("EVE_CUDA_LIBRARY_PATH");
        if (path == null || path.isBlank()) return "";
        java.util.List<String> loaded = new java.util.ArrayList<>();
        for (String lib : PRELOAD) {
            for (String dir : path.split(":")) {
                if (dir.isBlank()) continue;
                java.nio.file.Path f = java.nio.file.Path.of(dir, lib);
                if (!java.nio.file.Files.isRegularFile(f)) continue;
                try {
                    System.load(f.toAbsolutePath().toString());
                    loaded.add(lib);
                } catch (Throwable t) {
                    // reported through the presets' own load error
                }
                break;
            }
        }
        return "; EVE_CUDA_LIBRARY_PATH=" + path + " gave " + (loaded.isEmpty() ? "nothing" : String.join(", ", loaded));
    }

    /** The one-line message for a failure to load the presets' native libraries. */
    static String unavailableMessage(Throwable t) {
        StringBuilder all = new StringBuilder();
        Throwable root = t;
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            all.append(c.getMessage()).append(' ');
            root = c;
        }
        String chain = all.toString();
        String what;
        if (chain.contains("libcuda.so")) what = "no NVIDIA driver (libcuda.so.1 not found)";
        else if (chain.contains("libcudart")) what = "CUDA runtime library missing (libcudart.so.13 not found)";
        else if (chain.contains("libstdc++") || chain.contains("GLIBC")) what = "a system library of the CUDA presets is missing";
        else what = "could not load the CUDA runtime";
        return "CUDA unavailable: " + what + "; looked for " + RUNTIME_LIBRARIES
                + " through JavaCPP org.bytedeco:cuda 13.1-9.19-1.5.13 (LD_LIBRARY_PATH=" + envOrUnset("LD_LIBRARY_PATH")
                + "); device count 0; cause: " + oneLine(root);
    }

    /** A throwable's message on one line, with JavaCPP's cache paths cut to the file name. */
    static String oneLine(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        m = m.replace('\r', ' ').replace('\n', ' ').replace('\t', ' ');
        m = m.replaceAll("/\\S*/(lib[\\w.+-]+\\.so[\\w.]*)", "$1");
        return m.length() > 300 ? m.substring(0, 300) + "..." : m;
    }

    private static String envOrUnset(String name) {
        String v = System.getenv(name);
        return v == null || v.isEmpty() ? "<unset>" : v;
    }

    static String version(int v) {
        return v == 0 ? "?" : String.format(Locale.ROOT, "%d.%d", v / 1000, (v % 1000) / 10);
    }

    /** The name and description of a runtime error code. */
    public static String errorName(int code) {
        try {
            return cudaGetErrorName(code).getString() + " (" + cudaGetErrorString(code).getString() + ")";
        } catch (Throwable t) {
            return "cudaError " + code;
        }
    }

    /** Throws a {@link CudaException} naming {@code call} unless {@code code} is cudaSuccess. */
    public static void check(int code, String call) {
        if (code != cudaSuccess) throw new CudaException(call + " failed: " + errorName(code));
    }

    /** Throws a {@link CudaException} naming {@code call} unless the driver API {@code code} is CUDA_SUCCESS. */
    public static void checkDriver(int code, String call) {
        if (code != CUDA_SUCCESS) {
            String name;
            try {
                org.bytedeco.javacpp.PointerPointer<?> pp = new org.bytedeco.javacpp.PointerPointer<>(1);
                cuGetErrorName(code, pp);
                org.bytedeco.javacpp.Pointer p = pp.get(0);
                name = p == null || p.isNull() ? "CUresult " + code
                        : new org.bytedeco.javacpp.BytePointer(p).getString() + " (CUresult " + code + ")";
            } catch (Throwable t) {
                name = "CUresult " + code;
            }
            throw new CudaException(call + " failed: " + name);
        }
    }
}
