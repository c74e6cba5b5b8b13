package dev.eve.models.data.image;

import dev.eve.core.tensor.Generator;

/**
 * One step of an image pipeline (a torchvision transform on a PIL image): returns a new image and
 * never modifies its input. Random transforms draw every random number from {@code gen}, so the same
 * generator state replays the same augmentation; deterministic ones ignore it.
 */
@FunctionalInterface
public interface ImageTransform {

    RgbImage apply(RgbImage image, Generator gen);

    /** This transform, then {@code next} (torchvision's {@code Compose}). */
    default ImageTransform then(ImageTransform next) {
        ImageTransform first = this;
        return (image, gen) -> next.apply(first.apply(image, gen), gen);
    }

    /** Pillow's {@code resize((width, height), filter)} (torchvision's {@code Resize((h, w))} on PIL images). */
    static ImageTransform resize(int width, int height, ResampleFilter filter) {
        return (image, gen) -> PilResize.resize(image, width, height, filter);
    }
}
