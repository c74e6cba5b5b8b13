package dev.eve.bench.gpu;

import dev.eve.core.backend.Backend;
import dev.eve.core.backend.Backends;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Tensor;

import java.lang.reflect.Method;

/**
 * Waits until the device has finished the work queued so far. eve-core's {@link Backend} has no
 * synchronise call, so: if the device's backend class has a public no-argument {@code synchronize()}
 * (the CUDA backend may offer one), it is called; otherwise one element of the given result is read
 * back to the host, which on a single-stream backend waits for everything queued before it (the copy
 * is ordered after the kernels on the same stream). On the CPU backend every op has finished when it
 * returns, so the read is only a formality.
 */
final class DeviceSync {

    private DeviceSync() {}

    /** The call that waits for the device: backend.synchronize(), or backend.cudaDevice().synchronize(). */
    private record Call(Object target, Method method, String name) {}

    private static final java.util.Map<Device, java.util.Optional<Call>> CALLS = new java.util.concurrent.ConcurrentHashMap<>();

    private static Call call(Device device) {
        return CALLS.computeIfAbsent(device, d -> java.util.Optional.ofNullable(find(d))).orElse(null);
    }

    private static Call find(Device device) {
        if (device.isCpu()) return null;
        Backend b;
        try {
            b = Backends.of(device);
        } catch (RuntimeException e) {
            return null;
        }
        Method m = noArg(b, "synchronize");
        if (m != null) return new Call(b, m, "the " + device.type() + " backend's synchronize()");
        Method dev = noArg(b, "cudaDevice");
        if (dev != null) {
            try {
                Object d = dev.invoke(b);
                Method s = d == null ? null : noArg(d, "synchronize");
                if (s != null) return new Call(d, s, "backend.cudaDevice().synchronize() (cudaStreamSynchronize of the EVE stream)");
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }
        return null;
    }

    private static Method noArg(Object o, String name) {
        try {
            Method m = o.getClass().getMethod(name);
            return m.getParameterCount() == 0 ? m : null;
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    /** Synchronises the device (t, the step's result, is read back when the backend offers no call). */
    static void sync(Device device, Tensor t) {
        Call c = call(device);
        if (c != null) {
            try {
                c.method().invoke(c.target());
                return;
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(c.name() + " failed: " + e.getCause(), e);
            }
        }
        if (t == null) throw new IllegalArgumentException("no tensor to read back and no synchronize() on " + device);
        Tensor d = t.detach();
        d.reshape(d.numel()).slice(0, 0, 1).toFloatArray();
    }

    static String describe(Device device) {
        if (device.isCpu()) return "none needed (the CPU backend is synchronous); one element read back";
        Call c = call(device);
        return c != null ? c.name() : "one element of the result read back to the host (the backend has no synchronize())";
    }
}
