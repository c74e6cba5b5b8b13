package dev.eve.models.data.image;

import dev.eve.core.backend.cpu.CpuStorage;
import dev.eve.core.tensor.Tensor;

import java.util.List;

/**
 * torchvision's {@code ToTensor()} followed by EVE's {@code Normalize(mean=0.5, std=0.5)}: RGB bytes to
 * a float32 CHW tensor holding {@code (u8 / 255 - 0.5) / 0.5}, computed in float32 exactly as torch
 * does ({@code .float().div(255)}, then {@code .sub_(0.5).div_(0.5)}), so every value is bit-identical
 * to PyTorch's.
 */
public final class ImageTensors {

    /** The 256 possible outputs, computed once with torch's float32 operations in torch's order. */
    private static final float[] LUT = new float[256];

    static {
        for (int v = 0; v < 256; v++) {
            float x = (float) v / 255f; // .float().div(255): a correctly rounded float32 division
            LUT[v] = (x - 0.5f) / 0.5f; // .sub_(0.5).div_(0.5)
        }
    }

    private ImageTensors() {}

    /** The normalised value of one byte value 0..255. */
    public static float normalized(int value) {
        return LUT[value];
    }

    /** A {@code [3, H, W]} float32 tensor of the normalised image. */
    public static Tensor toTensor(RgbImage image) {
        int n = image.width() * image.height();
        float[] out = new float[3 * n];
        writeChw(image, out, 0);
        return Tensor.fromStorage(CpuStorage.wrap(out), 3, image.height(), image.width());
    }

    /**
     * A {@code [B, 3, H, W]} float32 tensor of {@code images}, which must all have the same size
     * (the transforms make them {@code R x R}); like {@code torch.stack} of their tensors.
     */
    public static Tensor batch(List<RgbImage> images) {
        if (images.isEmpty()) throw new IllegalArgumentException("cannot batch an empty list of images");
        int w = images.get(0).width(), h = images.get(0).height();
        int per = 3 * w * h;
        float[] out = new float[Math.multiplyExact(per, images.size())];
        for (int b = 0; b < images.size(); b++) {
            RgbImage im = images.get(b);
            if (im.width() != w || im.height() != h)
                throw new IllegalArgumentException("image " + b + " is " + im.width() + " x " + im.height()
                        + " but image 0 is " + w + " x " + h + "; a batch needs one size");
            writeChw(im, out, b * per);
        }
        return Tensor.fromStorage(CpuStorage.wrap(out), images.size(), 3, h, w);
    }

    /** Writes the normalised CHW planes of {@code image} into {@code out} from {@code offset}. */
    public static void writeChw(RgbImage image, float[] out, int offset) {
        byte[] px = image.pixels();
        int n = image.width() * image.height();
        if (offset < 0 || out.length - offset < 3 * n)
            throw new IllegalArgumentException("need " + 3 * n + " floats from offset " + offset
                    + " but the array has " + out.length);
        int r = offset, g = offset + n, b = offset + 2 * n;
        for (int i = 0, p = 0; i < n; i++, p += 3) {
            out[r + i] = LUT[px[p] & 0xFF];
            out[g + i] = LUT[px[p + 1] & 0xFF];
            out[b + i] = LUT[px[p + 2] & 0xFF];
        }
    }
}
