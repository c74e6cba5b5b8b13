package dev.eve.models.tasks;

import dev.eve.core.tensor.Tensor;

import java.nio.file.Path;
import java.util.List;

/**
 * Turns image files into model inputs [3, R, R] (the test transform at evaluation, the augmentations
 * in training). Implementations throw {@code ImageDecodeException} for files they cannot read.
 */
@FunctionalInterface
public interface ImageSource {

    Tensor load(Path image);

    /** A batch [B, 3, R, R] of images, in order. */
    default Tensor batch(List<Path> images) {
        Tensor[] t = new Tensor[images.size()];
        for (int i = 0; i < t.length; i++) t[i] = load(images.get(i));
        return Tensor.stack(0, t);
    }
}
