package dev.eve.cuda.runtime;

import dev.eve.cuda.nvrtc.KernelCompiler;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.javacpp.BytePointer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.bytedeco.cuda.global.cudart.*;
import static dev.eve.cuda.runtime.CudaRuntime.checkDriver;

/**
 * One compiled {@code native/<file>.cu}, loaded on one device with the driver API; cached per (device,
 * file). The cubin comes from {@link KernelCompiler} (NVRTC for the device's compute capability, with a
 * disk cache).
 */
public final class CudaModule {

    private final CudaDevice device;
    private final String fileName;
    private final CUmod_st handle;
    private final Map<String, CudaFunction> functions = new ConcurrentHashMap<>();

    private CudaModule(CudaDevice device, String fileName, CUmod_st handle) {
        this.device = device;
        this.fileName = fileName;
        this.handle = handle;
    }

    /** The module of {@code cuFileName} (e.g. {@code "attention.cu"}) on {@code device}, compiled and cached on first use. */
    public static CudaModule load(CudaDevice device, String cuFileName) {
        CudaModule m = device.modules.get(cuFileName);
        if (m != null) return m;
        synchronized (device.modules) {
            m = device.modules.get(cuFileName);
            if (m != null) return m;
            byte[] cubin = KernelCompiler.shared().cubin(cuFileName, device.computeCapability());
            device.makeCurrent();
            CUmod_st mod = new CUmod_st();
            BytePointer image = new BytePointer(cubin.length + 1L);
            image.put(cubin, 0, cubin.length);
            checkDriver(cuModuleLoadData(mod, image), "cuModuleLoadData(" + cuFileName + ")");
            image.close();
            m = new CudaModule(device, cuFileName, mod);
            device.modules.put(cuFileName, m);
            return m;
        }
    }

    /** The {@code extern "C"} kernel {@code name} of this module. */
    public CudaFunction function(String name) {
        return functions.computeIfAbsent(name, n -> {
            device.makeCurrent();
            CUfunc_st f = new CUfunc_st();
            checkDriver(cuModuleGetFunction(f, handle, n), "cuModuleGetFunction(" + fileName + ", " + n + ")");
            return new CudaFunction(this, n, f);
        });
    }

    public CudaDevice device() {
        return device;
    }

    public String fileName() {
        return fileName;
    }
}
