package dev.eve.models.data.image;

import dev.eve.core.tensor.Generator;

import java.util.List;
import java.util.Locale;

/**
 * The original's {@code RandomAugment(N, M, isPIL=True, augs)} ({@code dataset/randaugment.py}):
 * choose {@code N} operations uniformly WITH replacement ({@code np.random.choice}), then for each,
 * in order, skip it with probability 0.5 ({@code random() > 0.5}), else compute its arguments from
 * the magnitude {@code M} (of {@code MAX_LEVEL = 10}) and apply it. Arguments, as the original:
 *
 * <ul>
 *   <li>Brightness, Sharpness: factor {@code M / 10 * 1.8 + 0.1} (1.36 for M = 7; never below 1,
 *       no random sign);</li>
 *   <li>ShearX, ShearY: {@code M / 10 * 0.3}, negated when {@code random() > 0.5};</li>
 *   <li>TranslateX, TranslateY: {@code M / 10 * 10} PIXELS ({@code translate_const = 10}, whatever
 *       the image size), negated when {@code random() > 0.5};</li>
 *   <li>Rotate: {@code M / 10 * 30} degrees, negated when {@code random() < 0.5};</li>
 *   <li>Identity, AutoContrast, Equalize: no argument.</li>
 * </ul>
 * The geometric ops fill with grey {@code (128, 128, 128)}. The operations are {@link AugmentOps}.
 */
public final class RandomAugment implements ImageTransform {

    /** The operations EVE's augmentation list names. */
    public enum Op {
        IDENTITY("Identity"), AUTO_CONTRAST("AutoContrast"), EQUALIZE("Equalize"), BRIGHTNESS("Brightness"),
        SHARPNESS("Sharpness"), SHEAR_X("ShearX"), SHEAR_Y("ShearY"), TRANSLATE_X("TranslateX"),
        TRANSLATE_Y("TranslateY"), ROTATE("Rotate");

        private final String originalName;

        Op(String originalName) {
            this.originalName = originalName;
        }

        /** The name in the original's {@code augs} list. */
        public String originalName() {
            return originalName;
        }

        /** The op of an original name ({@code "ShearX"}), case-insensitively. */
        public static Op of(String name) {
            for (Op op : values()) if (op.originalName.equalsIgnoreCase(name)) return op;
            throw new IllegalArgumentException("unknown RandomAugment op '" + name + "'; known: "
                    + List.of(values()).stream().map(Op::originalName).toList());
        }
    }

    /** EVE's list: {@code ['Identity', 'AutoContrast', 'Equalize', 'Brightness', 'Sharpness', 'ShearX',
     * 'ShearY', 'TranslateX', 'TranslateY', 'Rotate']}. */
    public static final List<Op> EVE_OPS = List.of(Op.values());

    static final int MAX_LEVEL = 10;
    static final double TRANSLATE_CONST = 10;
    static final int FILL = 128;

    private final int n;
    private final int magnitude;
    private final List<Op> ops;

    public RandomAugment(int n, int magnitude, List<Op> ops) {
        if (n < 0) throw new IllegalArgumentException("N must be >= 0, got " + n);
        if (ops.isEmpty()) throw new IllegalArgumentException("RandomAugment needs at least one op");
        this.n = n;
        this.magnitude = magnitude;
        this.ops = List.copyOf(ops);
    }

    /** EVE's {@code RandomAugment(2, 7, isPIL=True, augs=[...10 ops...])}. */
    public static RandomAugment eve() {
        return new RandomAugment(2, 7, EVE_OPS);
    }

    public int n() {
        return n;
    }

    public int magnitude() {
        return magnitude;
    }

    public List<Op> ops() {
        return ops;
    }

    @Override
    public RgbImage apply(RgbImage image, Generator gen) {
        Op[] chosen = new Op[n];
        for (int i = 0; i < n; i++) chosen[i] = ops.get(gen.nextInt(ops.size()));
        for (Op op : chosen) {
            if (gen.nextDouble() > 0.5) continue; // prob 0.5
            image = apply(op, magnitude, image, gen);
        }
        return image;
    }

    /** One op at magnitude {@code level}, its random sign (where it has one) drawn from {@code gen}. */
    static RgbImage apply(Op op, int level, RgbImage image, Generator gen) {
        double m = (double) level / MAX_LEVEL;
        return switch (op) {
            case IDENTITY -> image;
            case AUTO_CONTRAST -> AugmentOps.autoContrast(image);
            case EQUALIZE -> AugmentOps.equalize(image);
            case BRIGHTNESS -> AugmentOps.brightness(image, m * 1.8 + 0.1);
            case SHARPNESS -> AugmentOps.sharpness(image, m * 1.8 + 0.1);
            case SHEAR_X -> AugmentOps.shearX(image, signed(m * 0.3, gen.nextDouble() > 0.5), FILL);
            case SHEAR_Y -> AugmentOps.shearY(image, signed(m * 0.3, gen.nextDouble() > 0.5), FILL);
            case TRANSLATE_X -> AugmentOps.translateX(image, signed(m * TRANSLATE_CONST, gen.nextDouble() > 0.5), FILL);
            case TRANSLATE_Y -> AugmentOps.translateY(image, signed(m * TRANSLATE_CONST, gen.nextDouble() > 0.5), FILL);
            case ROTATE -> AugmentOps.rotate(image, signed(m * 30, gen.nextDouble() < 0.5), FILL);
        };
    }

    private static double signed(double v, boolean negate) {
        return negate ? -v : v;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "RandomAugment(%d, %d, %s)", n, magnitude,
                ops.stream().map(Op::originalName).toList());
    }
}
