package dev.eve.core.ops;

import dev.eve.core.autograd.Node;
import dev.eve.core.backend.Backends;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Tensor;

/** Conversions between dtypes and devices. */
public final class Casting {

    private Casting() {}

    public static Tensor toDType(Tensor x, DType dtype) {
        Tensor y = Tensor.zeros(x.device(), dtype, x.shape());
        x.backend().copy(x.detach(), y);
        if (!dtype.isFloating() || !Node.needsGrad(x)) return y;
        return Node.record(y, new CastBackward(x));
    }

    private static final class CastBackward extends Node {
        private final DType dtype;

        CastBackward(Tensor x) {
            super(x);
            this.dtype = x.dtype();
        }

        @Override
        public String name() {
            return "to_dtype_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {g.to(dtype)};
        }
    }

    public static Tensor toDevice(Tensor x, Device device) {
        var target = Backends.of(device);
        Tensor c = x.detach();
        var storage = x.dtype().isFloating()
                ? target.fromFloats(c.toFloatArray(), x.dtype())
                : target.fromLongs(c.toLongArray(), x.dtype());
        Tensor y = Tensor.fromStorage(storage, x.shape());
        return Node.needsGrad(x) ? Node.record(y, new DeviceBackward(x)) : y;
    }

    private static final class DeviceBackward extends Node {
        private final Device device;

        DeviceBackward(Tensor x) {
            super(x);
            this.device = x.device();
        }

        @Override
        public String name() {
            return "to_device_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {g.to(device)};
        }
    }
}
