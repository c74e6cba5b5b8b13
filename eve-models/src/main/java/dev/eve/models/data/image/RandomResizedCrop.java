package dev.eve.models.data.image;

import dev.eve.core.tensor.Generator;

/**
 * torchvision's {@code RandomResizedCrop(size, scale, ratio=(3/4, 4/3), interpolation=BICUBIC)} on a
 * PIL image: a random crop of random area and aspect ratio, then Pillow's resize to
 * {@code size x size}.
 *
 * <p>The crop ({@code get_params}): up to 10 attempts, each drawing a target area
 * {@code W * H * uniform(scale)} and an aspect ratio {@code exp(uniform(log 3/4, log 4/3))}, giving
 * {@code w = round(sqrt(area * ratio))}, {@code h = round(sqrt(area / ratio))} (Python's
 * round-half-even); the first that fits ({@code 0 < w <= W}, {@code 0 < h <= H}) is placed at a
 * uniform random position. When none fits: the central crop with the aspect ratio clamped to
 * [3/4, 4/3]. Then {@code img.crop(box).resize((size, size), BICUBIC)} (crop first: pixels outside
 * the crop never enter the filter).
 */
public final class RandomResizedCrop implements ImageTransform {

    /** A crop: top row, left column, height and width, in source pixels. */
    public record Box(int top, int left, int height, int width) {}

    private static final double RATIO_MIN = 3.0 / 4.0, RATIO_MAX = 4.0 / 3.0;

    private final int size;
    private final double scaleMin, scaleMax;
    private final ResampleFilter filter;

    public RandomResizedCrop(int size, double scaleMin, double scaleMax, ResampleFilter filter) {
        if (size <= 0) throw new IllegalArgumentException("crop size must be positive, got " + size);
        if (!(scaleMin > 0 && scaleMin <= scaleMax && scaleMax <= 1))
            throw new IllegalArgumentException("scale must satisfy 0 < min <= max <= 1, got (" + scaleMin + ", " + scaleMax + ")");
        this.size = size;
        this.scaleMin = scaleMin;
        this.scaleMax = scaleMax;
        this.filter = filter;
    }

    /** EVE's: {@code RandomResizedCrop(size, scale=(0.5, 1.0), interpolation=BICUBIC)}. */
    public static RandomResizedCrop eve(int size) {
        return new RandomResizedCrop(size, 0.5, 1.0, ResampleFilter.BICUBIC);
    }

    @Override
    public RgbImage apply(RgbImage image, Generator gen) {
        Box b = sample(image.width(), image.height(), gen);
        return PilResize.resize(image.crop(b.left(), b.top(), b.width(), b.height()), size, size, filter);
    }

    /** torchvision's {@code RandomResizedCrop.get_params} for a {@code width x height} image. */
    public Box sample(int width, int height, Generator gen) {
        double area = (double) width * height;
        double logMin = Math.log(RATIO_MIN), logMax = Math.log(RATIO_MAX);
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * uniform(gen, scaleMin, scaleMax);
            double ratio = Math.exp(uniform(gen, logMin, logMax));
            int w = (int) Math.rint(Math.sqrt(target * ratio));
            int h = (int) Math.rint(Math.sqrt(target / ratio));
            if (0 < w && w <= width && 0 < h && h <= height) {
                int top = gen.nextInt(height - h + 1);
                int left = gen.nextInt(width - w + 1);
                return new Box(top, left, h, w);
            }
        }
        return centerFallback(width, height);
    }

    /** The fallback: the central crop of the whole image with its aspect ratio clamped to [3/4, 4/3]. */
    static Box centerFallback(int width, int height) {
        double inRatio = (double) width / height;
        int w, h;
        if (inRatio < RATIO_MIN) {
            w = width;
            h = (int) Math.rint(w / RATIO_MIN);
        } else if (inRatio > RATIO_MAX) {
            h = height;
            w = (int) Math.rint(h * RATIO_MAX);
        } else {
            w = width;
            h = height;
        }
        return new Box((height - h) / 2, (width - w) / 2, h, w);
    }

    private static double uniform(Generator gen, double lo, double hi) {
        return lo + (hi - lo) * gen.nextDouble();
    }
}
