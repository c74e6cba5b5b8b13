package dev.eve.models.data.image;

import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageLoaderTest {

    private static final Path ROOT = ImageFixtures.ROOT;

    private static List<Path> files() {
        return List.of(ROOT.resolve("chelsea.jpg"), ROOT.resolve("odd/truncated.jpg"), ROOT.resolve("camera.png"),
                ROOT.resolve("odd/gray.png"), ROOT.resolve("missing.jpg"), ROOT.resolve("odd/cmyk.jpg"),
                ROOT.resolve("odd/text.jpg"), ROOT.resolve("coffee.jpg"));
    }

    @Test
    void batchesComeInOrderWithBadImagesSkipped() {
        ImageTransform rand = ImageTransforms.train(ImageTransforms.Augmentation.RAND, 24);
        List<ImageLoader.Job> jobs = ImageLoader.jobs(files(), rand, new Generator(5));
        try (ImageLoader loader = new ImageLoader(ImageDecoder.standard(), 3);
             ImageLoader.Batches batches = loader.batches(jobs, 3, 2)) {
            assertEquals(3, batches.batchCount());
            List<ImageLoader.Item> all = new ArrayList<>();
            int b = 0;
            while (batches.hasNext()) {
                ImageLoader.Batch batch = batches.next();
                assertEquals(b++, batch.index());
                all.addAll(batch.items());
                Tensor t = batch.tensor();
                assertArrayEquals(new int[] {batch.loaded().size(), 3, 24, 24}, t.shape());
            }
            assertEquals(8, all.size());
            for (int i = 0; i < all.size(); i++) {
                ImageLoader.Item item = all.get(i);
                assertEquals(i, item.index());
                assertEquals(jobs.get(i), item.job());
                boolean bad = i == 1 || i == 4 || i == 6;
                assertEquals(!bad, item.ok(), "item " + i);
                if (bad) {
                    assertNull(item.image());
                    assertTrue(item.skipReason().startsWith("cannot decode image " + jobs.get(i).path() + ": "), item.skipReason());
                    assertFalse(item.skipReason().contains("\n"));
                } else {
                    // Same seed on the calling thread: the same pixels, whatever thread ran it.
                    ImageLoader.Item again = loader.load(i, jobs.get(i));
                    assertArrayEquals(again.image().pixels(), item.image().pixels(), "item " + i);
                }
            }
            assertEquals(3, loader.skippedCount());
            assertEquals(5 + 5, loader.loadedCount()); // 5 in the batches, 5 reloaded above
        }
    }

    @Test
    void theSameSeedsGiveTheSameBatches() {
        ImageTransform color = ImageTransforms.train(ImageTransforms.Augmentation.COLOR, 16);
        List<byte[]> first = pixels(ImageLoader.jobs(files(), color, new Generator(8)), 4);
        List<byte[]> second = pixels(ImageLoader.jobs(files(), color, new Generator(8)), 1);
        assertEquals(first.size(), second.size());
        for (int i = 0; i < first.size(); i++) assertArrayEquals(first.get(i), second.get(i));
    }

    private static List<byte[]> pixels(List<ImageLoader.Job> jobs, int threads) {
        List<byte[]> out = new ArrayList<>();
        try (ImageLoader loader = new ImageLoader(ImageDecoder.standard(), threads);
             ImageLoader.Batches batches = loader.batches(jobs, 2, 3)) {
            batches.forEachRemaining(b -> b.images().forEach(im -> out.add(im.pixels())));
        }
        return out;
    }

    /** Never more than {@code prefetch} batches are started ahead of the consumer. */
    @Test
    void backPressureBoundsTheWorkInFlight() throws Exception {
        AtomicInteger started = new AtomicInteger();
        ImageTransform counting = (image, gen) -> {
            started.incrementAndGet();
            return image;
        };
        List<ImageLoader.Job> jobs = new ArrayList<>();
        for (int i = 0; i < 20; i++) jobs.add(new ImageLoader.Job(ROOT.resolve("odd/gray.png"), counting, i));
        int batchSize = 2, prefetch = 2;
        try (ImageLoader loader = new ImageLoader(ImageDecoder.standard(), 4);
             ImageLoader.Batches batches = loader.batches(jobs, batchSize, prefetch)) {
            Thread.sleep(300);
            assertTrue(started.get() <= prefetch * batchSize, started + " started before any batch was taken");
            for (int taken = 1; taken <= 3; taken++) {
                batches.next();
                Thread.sleep(100);
                assertTrue(started.get() <= (taken + prefetch) * batchSize, started + " started after " + taken + " batches");
            }
        }
    }

    @Test
    void aFailingTransformIsAnError() {
        ImageTransform broken = (image, gen) -> {
            throw new IllegalStateException("bug in a transform");
        };
        List<ImageLoader.Job> jobs = List.of(new ImageLoader.Job(ROOT.resolve("odd/gray.png"), broken, 1));
        try (ImageLoader loader = new ImageLoader(ImageDecoder.standard(), 1);
             ImageLoader.Batches batches = loader.batches(jobs, 4, 1)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, batches::next);
            assertTrue(e.getMessage().contains("bug in a transform"), e.getMessage());
        }
    }

    @Test
    void anAllSkippedBatchHasNoTensor() {
        List<ImageLoader.Job> jobs = List.of(new ImageLoader.Job(ROOT.resolve("odd/empty.jpg"), ImageTransforms.test(8), 1));
        try (ImageLoader loader = new ImageLoader(); ImageLoader.Batches batches = loader.batches(jobs, 4, 1)) {
            ImageLoader.Batch b = batches.next();
            assertEquals(1, b.skipped().size());
            assertThrows(IllegalStateException.class, b::tensor);
            assertFalse(batches.hasNext());
        }
    }

    @Test
    void closingStopsTheIteration() {
        List<ImageLoader.Job> jobs = ImageLoader.jobs(files(), ImageTransforms.test(8), new Generator(1));
        try (ImageLoader loader = new ImageLoader(ImageDecoder.standard(), 2)) {
            ImageLoader.Batches batches = loader.batches(jobs, 1, 3);
            batches.next();
            batches.close();
            assertFalse(batches.hasNext());
            assertThrows(java.util.NoSuchElementException.class, batches::next);
        }
        assertThrows(IllegalArgumentException.class, () -> new ImageLoader(ImageDecoder.standard(), 0));
    }
}
