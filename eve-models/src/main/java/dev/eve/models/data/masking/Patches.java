package dev.eve.models.data.masking;

import dev.eve.core.tensor.Shapes;
import dev.eve.core.tensor.Tensor;

/** Images as rows of patch pixels, the reconstruction target of masked image modeling. */
public final class Patches {

    /** Added to the patch variance before the square root, as MAE's norm_pix_loss does. */
    static final double EPS = 1e-6;

    private Patches() {}

    /**
     * [B, 3, R, R] -> [B, (R/p)^2, p*p*3]: patches in row-major grid order (the order of the patch
     * embedding), the pixels of a patch row by row with the channels innermost.
     */
    public static Tensor patchify(Tensor image, int patch) {
        if (image.dim() != 4 || image.size(1) != 3 || image.size(2) != image.size(3) || image.size(2) % patch != 0)
            throw new IllegalArgumentException("patchify: image of shape " + Shapes.format(image.shape())
                    + ", expected [B, 3, R, R] with R a multiple of " + patch);
        int b = image.size(0), g = image.size(2) / patch;
        return image.reshape(b, 3, g, patch, g, patch).permute(0, 2, 4, 3, 5, 1).reshape(b, g * g, patch * patch * 3);
    }

    /** Per-patch normalised pixels: (x - mean) / sqrt(var + 1e-6) over each patch's values (unbiased var, as MAE). */
    public static Tensor normalized(Tensor patches) {
        Tensor mean = patches.mean(-1, true);
        Tensor var = patches.var(-1, true, true);
        return patches.sub(mean).mul(var.add(EPS).rsqrt());
    }
}
