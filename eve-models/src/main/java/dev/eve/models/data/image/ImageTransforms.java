package dev.eve.models.data.image;

import java.util.Locale;

/**
 * The image transforms of EVE's {@code dataset/__init__.py create_dataset}, up to (not including)
 * {@code ToTensor + Normalize}, which {@link ImageTensors} does.
 *
 * <table>
 *   <caption>transforms</caption>
 *   <tr><th>method</th><th>original</th><th>steps</th></tr>
 *   <tr><td>{@link #test}</td><td>{@code test_transform}</td><td>Resize((R, R), BICUBIC)</td></tr>
 *   <tr><td>{@link #train} NONE</td><td>{@code train_transform}, {@code augmentation} None</td>
 *       <td>RandomResizedCrop(R, scale=(0.5, 1), BICUBIC), RandomHorizontalFlip</td></tr>
 *   <tr><td>{@link #train} COLOR</td><td>{@code augmentation == 'color'}</td>
 *       <td>... + ColorJitter(0.4, 0.4, 0.4)</td></tr>
 *   <tr><td>{@link #train} RAND</td><td>any other {@code augmentation}</td>
 *       <td>... + RandomAugment(2, 7, 10 ops)</td></tr>
 *   <tr><td>{@link #vqaTrain}</td><td>{@code train_transform_wohflip}</td>
 *       <td>RandomResizedCrop, RandomAugment (no flip; VQA uses it whatever the augmentation)</td></tr>
 * </table>
 * Note that the original's "no augmentation" still crops and flips at random; only evaluation uses
 * the plain resize.
 */
public final class ImageTransforms {

    /** The original's {@code --augmentation} choices. */
    public enum Augmentation {
        /** {@code None} (or the empty string): random resized crop and flip only. */
        NONE,
        /** {@code color}: + ColorJitter(0.4, 0.4, 0.4). */
        COLOR,
        /** {@code rand}: + RandomAugment(2, 7, ...). */
        RAND,
        /**
         * {@code resize} (not in the original): no random augmentation at all, the evaluation resize —
         * for data whose texts describe positions and sizes that crops and flips would falsify.
         */
        RESIZE;

        /** Parses {@code none}/{@code None}/empty/null, {@code color} or {@code rand}; anything else is a one-line error. */
        public static Augmentation parse(String value) {
            if (value == null) return NONE;
            return switch (value.strip().toLowerCase(Locale.ROOT)) {
                case "", "none" -> NONE;
                case "color" -> COLOR;
                case "rand" -> RAND;
                case "resize" -> RESIZE;
                default -> throw new IllegalArgumentException(
                        "unknown augmentation '" + value + "': expected None, color, rand or resize");
            };
        }
    }

    private ImageTransforms() {}

    /** Evaluation: {@code Resize((res, res), interpolation=BICUBIC)}. */
    public static ImageTransform test(int res) {
        checkRes(res);
        return ImageTransform.resize(res, res, ResampleFilter.BICUBIC);
    }

    /** Retrieval and NLVR2 training: the crop, the flip, then the augmentation's extra step. */
    public static ImageTransform train(Augmentation augmentation, int res) {
        checkRes(res);
        if (augmentation == Augmentation.RESIZE) return test(res);
        ImageTransform t = RandomResizedCrop.eve(res).then(new HorizontalFlip());
        return switch (augmentation) {
            case RESIZE, NONE -> t;
            case COLOR -> t.then(ColorJitter.eve());
            case RAND -> t.then(RandomAugment.eve());
        };
    }

    /**
     * VQA training ({@code train_transform_wohflip}): the crop and RandomAugment, no flip. The
     * original's VQA dataset flips by itself BEFORE this transform: with probability 0.5 it applies
     * an unconditional {@code hflip} (here {@link HorizontalFlip#flip}), except when the question or
     * answer mentions left or right ({@code careful_hflip}).
     */
    public static ImageTransform vqaTrain(int res) {
        checkRes(res);
        return RandomResizedCrop.eve(res).then(RandomAugment.eve());
    }

    /**
     * VQA training for an {@code --augmentation} value: the original ignores the flag for VQA (always
     * {@link #vqaTrain(int)}); {@code resize} turns the random crop and RandomAugment off.
     */
    public static ImageTransform vqaTrain(Augmentation augmentation, int res) {
        return augmentation == Augmentation.RESIZE ? test(res) : vqaTrain(res);
    }

    private static void checkRes(int res) {
        if (res <= 0) throw new IllegalArgumentException("image_res must be positive, got " + res);
    }
}
