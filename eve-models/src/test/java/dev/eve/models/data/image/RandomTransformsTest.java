package dev.eve.models.data.image;

import dev.eve.core.tensor.Generator;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The random transforms: their sampling, their determinism under a seed, and the three configurations. */
class RandomTransformsTest {

    private static final RgbImage PHOTO = ImageFixtures.decode("chelsea.jpg");

    @Property(tries = 200)
    void cropBoxesFollowTorchvisionsRules(@ForAll @IntRange(min = 1, max = 800) int w, @ForAll @IntRange(min = 1, max = 800) int h,
                                          @ForAll @LongRange long seed) {
        RandomResizedCrop rrc = RandomResizedCrop.eve(32);
        RandomResizedCrop.Box b = rrc.sample(w, h, new Generator(seed));
        assertTrue(b.top() >= 0 && b.left() >= 0 && b.height() > 0 && b.width() > 0, b.toString());
        assertTrue(b.top() + b.height() <= h && b.left() + b.width() <= w, b + " in " + w + " x " + h);
        if (!b.equals(RandomResizedCrop.centerFallback(w, h))) {
            // A sampled box: area within [0.5, 1] of the image and ratio within [3/4, 4/3], up to rounding.
            double area = (double) b.width() * b.height() / ((double) w * h);
            double ratio = (double) b.width() / b.height();
            double slackW = 0.5 / b.width(), slackH = 0.5 / b.height();
            assertTrue(area >= 0.5 * (1 - slackW) * (1 - slackH) - 1e-9 && area <= 1.0, "area " + area + " " + b);
            assertTrue(ratio >= 0.75 * (1 - slackW) / (1 + slackH) - 1e-9 && ratio <= 4.0 / 3 * (1 + slackW) / (1 - slackH) + 1e-9,
                    "ratio " + ratio + " " + b);
        }
    }

    /** 1000 x 10: every attempt is too tall, so the central crop with ratio 4/3: h = 10, w = round(13.33) = 13. */
    @Test
    void cropFallsBackToTheCentre() {
        RandomResizedCrop.Box b = RandomResizedCrop.eve(8).sample(1000, 10, new Generator(1));
        assertEquals(new RandomResizedCrop.Box(0, 493, 10, 13), b);
        assertEquals(new RandomResizedCrop.Box(493, 0, 13, 10), RandomResizedCrop.centerFallback(10, 1000));
        assertEquals(new RandomResizedCrop.Box(0, 0, 30, 35), RandomResizedCrop.centerFallback(35, 30));
    }

    @Test
    void cropThenResizeIsWhatTheTransformDoes() {
        RandomResizedCrop rrc = RandomResizedCrop.eve(64);
        RandomResizedCrop.Box b = rrc.sample(PHOTO.width(), PHOTO.height(), new Generator(7));
        RgbImage expected = PilResize.resize(PHOTO.crop(b.left(), b.top(), b.width(), b.height()), 64, 64, ResampleFilter.BICUBIC);
        assertArrayEquals(expected.pixels(), rrc.apply(PHOTO, new Generator(7)).pixels());
    }

    @Test
    void flipHappensAboutHalfTheTime() {
        Generator gen = new Generator(3);
        RgbImage img = ImageFixtures.image(2, 1, (x, y, c) -> x * 200);
        int flips = 0;
        for (int i = 0; i < 2000; i++) if (new HorizontalFlip().apply(img, gen).get(0, 0, 0) == 200) flips++;
        assertTrue(flips > 900 && flips < 1100, flips + " flips of 2000");
        assertEquals(img, new HorizontalFlip(0).apply(img, gen));
        assertEquals(200, new HorizontalFlip(1).apply(img, gen).get(0, 0, 0));
    }

    @Test
    void colorJitterWithoutRangesIsTheIdentity() {
        assertArrayEquals(PHOTO.pixels(), new ColorJitter(0, 0, 0).apply(PHOTO, new Generator(1)).pixels());
    }

    /** Brightness and contrast act on each channel alike and a grey image has nothing to saturate. */
    @Property(tries = 30)
    void colorJitterKeepsGreyImagesGrey(@ForAll @LongRange long seed) {
        RgbImage grey = ImageFixtures.image(17, 9, (x, y, c) -> (x * 13 + y * 29) % 256);
        RgbImage out = ColorJitter.eve().apply(grey, new Generator(seed));
        for (int i = 0; i < out.pixels().length; i += 3) {
            assertEquals(out.pixels()[i], out.pixels()[i + 1]);
            assertEquals(out.pixels()[i], out.pixels()[i + 2]);
        }
    }

    /** Brightness alone: the output is Pillow's brightness at some factor in [0.6, 1.4]. */
    @Property(tries = 30)
    void brightnessJitterStaysInRange(@ForAll @LongRange long seed) {
        RgbImage img = ImageFixtures.image(1, 1, (x, y, c) -> 200);
        int v = new ColorJitter(0.4, 0, 0).apply(img, new Generator(seed)).get(0, 0, 0);
        assertTrue(v >= 120 && v <= 255, "200 jittered to " + v);
    }

    @Test
    void randomAugmentOpsDrawAndApply() {
        RgbImage img = ImageFixtures.image(20, 20, (x, y, c) -> 10 * x + 3 * y + c);
        assertArrayEquals(img.pixels(), new RandomAugment(0, 7, RandomAugment.EVE_OPS).apply(img, new Generator(1)).pixels());
        assertArrayEquals(img.pixels(), new RandomAugment(2, 7, List.of(RandomAugment.Op.IDENTITY)).apply(img, new Generator(1)).pixels());
        // Brightness only, N = 2: each op applies with probability 0.5, so 0, 1 or 2 times at factor 1.36.
        RandomAugment bright = new RandomAugment(2, 7, List.of(RandomAugment.Op.BRIGHTNESS));
        RgbImage once = AugmentOps.brightness(img, 1.36), twice = AugmentOps.brightness(once, 1.36);
        Set<Integer> seen = new HashSet<>();
        for (long seed = 0; seed < 64; seed++) {
            byte[] out = bright.apply(img, new Generator(seed)).pixels();
            int k = java.util.Arrays.equals(out, img.pixels()) ? 0 : java.util.Arrays.equals(out, once.pixels()) ? 1
                    : java.util.Arrays.equals(out, twice.pixels()) ? 2 : -1;
            assertTrue(k >= 0, "seed " + seed + ": not 0, 1 or 2 brightness steps");
            seen.add(k);
        }
        assertEquals(Set.of(0, 1, 2), seen);
        // Rotate: +-21 degrees, both signs occur.
        RgbImage plus = AugmentOps.rotate(img, 21, 128), minus = AugmentOps.rotate(img, -21, 128);
        Set<String> signs = new HashSet<>();
        for (long seed = 0; seed < 64; seed++) {
            byte[] out = RandomAugment.apply(RandomAugment.Op.ROTATE, 7, img, new Generator(seed)).pixels();
            if (java.util.Arrays.equals(out, plus.pixels())) signs.add("+");
            else if (java.util.Arrays.equals(out, minus.pixels())) signs.add("-");
            else throw new AssertionError("seed " + seed + ": not a rotation by +-21 degrees");
        }
        assertEquals(Set.of("+", "-"), signs);
    }

    @Test
    void randomAugmentNamesAreTheOriginals() {
        assertEquals("RandomAugment(2, 7, [Identity, AutoContrast, Equalize, Brightness, Sharpness, ShearX, ShearY, "
                + "TranslateX, TranslateY, Rotate])", RandomAugment.eve().toString());
        assertEquals(RandomAugment.Op.SHEAR_X, RandomAugment.Op.of("shearx"));
        assertThrows(IllegalArgumentException.class, () -> RandomAugment.Op.of("Solarize"));
    }

    @Test
    void everyConfigurationGivesRByRAndReplaysUnderTheSameSeed() {
        int res = 48;
        List<ImageTransform> transforms = List.of(ImageTransforms.test(res),
                ImageTransforms.train(ImageTransforms.Augmentation.NONE, res),
                ImageTransforms.train(ImageTransforms.Augmentation.COLOR, res),
                ImageTransforms.train(ImageTransforms.Augmentation.RAND, res), ImageTransforms.vqaTrain(res));
        for (ImageTransform t : transforms) {
            RgbImage a = t.apply(PHOTO, new Generator(11)), b = t.apply(PHOTO, new Generator(11));
            assertEquals(res, a.width());
            assertEquals(res, a.height());
            assertArrayEquals(a.pixels(), b.pixels(), "same seed, same augmentation");
        }
        // The random ones differ between seeds; the test transform is the plain resize.
        ImageTransform color = transforms.get(2);
        assertFalse(java.util.Arrays.equals(color.apply(PHOTO, new Generator(1)).pixels(), color.apply(PHOTO, new Generator(2)).pixels()));
        assertArrayEquals(PilResize.resize(PHOTO, res, res, ResampleFilter.BICUBIC).pixels(),
                transforms.get(0).apply(PHOTO, new Generator(5)).pixels());
    }

    /** A generator restored to a saved state replays the same augmentations (what resume relies on). */
    @Test
    void restoredGeneratorReplays() {
        ImageTransform rand = ImageTransforms.train(ImageTransforms.Augmentation.RAND, 32);
        Generator gen = new Generator(99);
        rand.apply(PHOTO, gen);
        byte[] state = gen.saveState();
        byte[] next = rand.apply(PHOTO, gen).pixels();
        Generator resumed = new Generator(0);
        resumed.restoreState(state);
        assertArrayEquals(next, rand.apply(PHOTO, resumed).pixels());
    }

    @Test
    void resizeTurnsEveryRandomStepOff() {
        int res = 48;
        RgbImage plain = ImageTransforms.test(res).apply(PHOTO, new Generator(3));
        for (ImageTransform t : List.of(ImageTransforms.train(ImageTransforms.Augmentation.RESIZE, res),
                ImageTransforms.vqaTrain(ImageTransforms.Augmentation.RESIZE, res))) {
            RgbImage a = t.apply(PHOTO, new Generator(11));
            assertArrayEquals(plain.pixels(), a.pixels());
        }
    }

    @Test
    void augmentationNames() {
        assertEquals(ImageTransforms.Augmentation.NONE, ImageTransforms.Augmentation.parse(null));
        assertEquals(ImageTransforms.Augmentation.NONE, ImageTransforms.Augmentation.parse(""));
        assertEquals(ImageTransforms.Augmentation.NONE, ImageTransforms.Augmentation.parse("None"));
        assertEquals(ImageTransforms.Augmentation.COLOR, ImageTransforms.Augmentation.parse("color"));
        assertEquals(ImageTransforms.Augmentation.RAND, ImageTransforms.Augmentation.parse("rand"));
        assertEquals(ImageTransforms.Augmentation.RESIZE, ImageTransforms.Augmentation.parse("resize"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageTransforms.Augmentation.parse("colour"));
        assertEquals("unknown augmentation 'colour': expected None, color, rand or resize", e.getMessage());
    }
}
