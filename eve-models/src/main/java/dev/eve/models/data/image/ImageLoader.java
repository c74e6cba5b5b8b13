package dev.eve.models.data.image;

import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decodes and transforms images ahead of the consumer on a small thread pool of its own (never the
 * compute pool {@code Parallel}), batch by batch, in job order, with bounded memory.
 *
 * <pre>{@code
 * try (ImageLoader loader = new ImageLoader();
 *      ImageLoader.Batches batches = loader.batches(jobs, 64, 2)) {
 *     while (batches.hasNext()) {
 *         ImageLoader.Batch b = batches.next();
 *         Tensor images = b.tensor();              // [loaded, 3, R, R], normalised
 *         for (ImageLoader.Item skipped : b.skipped()) log.warn(skipped.skipReason());
 *     }
 * }
 * }</pre>
 *
 * <ul>
 *   <li><b>Order and determinism.</b> Batches come in job order, items in job order within a batch.
 *       Each job carries its own seed; its transform draws from {@code new Generator(seed)}, so the
 *       result does not depend on thread timing, and a resumed run that rebuilds the same jobs
 *       replays the same augmentations ({@link #jobs} draws the seeds from one generator in order).</li>
 *   <li><b>Back-pressure.</b> At most {@code prefetch} batches are submitted and not yet handed out;
 *       the next batch is submitted only when one is taken. Memory: about
 *       {@code (prefetch + batches the consumer holds) * batchSize} transformed images plus one
 *       full-size decoded image per worker.</li>
 *   <li><b>Failures.</b> An image that cannot be decoded ({@link ImageDecodeException}: missing,
 *       corrupt, truncated, too large, ...) becomes a skipped {@link Item} with the one-line reason,
 *       counted in {@link #skippedCount()}; iteration goes on. Any other exception (a bug in a
 *       transform) is rethrown by {@link Batches#next()}.</li>
 * </ul>
 * Thread-safe; one loader can serve several iterations (they share the pool).
 */
public final class ImageLoader implements AutoCloseable {

    /** One image to load: the file, the transform (e.g. {@link ImageTransforms#test}) and its seed. */
    public record Job(Path path, ImageTransform transform, long seed) {
        public Job {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(transform, "transform");
        }
    }

    /**
     * The outcome of a job: {@code image} when it loaded, else null and {@code skipReason}, one line
     * naming the file ({@link ImageDecodeException#getMessage()}).
     */
    public record Item(int index, Job job, RgbImage image, String skipReason) {
        public boolean ok() {
            return image != null;
        }
    }

    /** Consecutive items of the job list, in order; {@code index} counts batches from 0. */
    public record Batch(int index, List<Item> items) {

        /** The items that loaded, in order (the rows of {@link #tensor()}). */
        public List<Item> loaded() {
            return items.stream().filter(Item::ok).toList();
        }

        /** The items that were skipped, in order. */
        public List<Item> skipped() {
            return items.stream().filter(i -> !i.ok()).toList();
        }

        /** The loaded images. */
        public List<RgbImage> images() {
            return items.stream().filter(Item::ok).map(Item::image).toList();
        }

        /**
         * The loaded images as one normalised {@code [n, 3, H, W]} tensor ({@link ImageTensors#batch});
         * they must share one size. Throws when every image of the batch was skipped.
         */
        public Tensor tensor() {
            List<RgbImage> images = images();
            if (images.isEmpty())
                throw new IllegalStateException("every image of batch " + index + " was skipped");
            return ImageTensors.batch(images);
        }
    }

    private final ImageDecoder decoder;
    private final ExecutorService pool;
    private final int threads;
    private final AtomicLong loaded = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();

    /** A loader with its own {@code threads} worker threads. */
    public ImageLoader(ImageDecoder decoder, int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.threads = threads;
        this.pool = Executors.newFixedThreadPool(threads, daemonThreads());
    }

    /** The standard decoder on {@link #defaultThreads()} workers. */
    public ImageLoader() {
        this(ImageDecoder.standard(), defaultThreads());
    }

    /** {@code min(4, available processors)}. */
    public static int defaultThreads() {
        return Math.min(4, Runtime.getRuntime().availableProcessors());
    }

    public int threads() {
        return threads;
    }

    /** Images loaded so far, over all iterations. */
    public long loadedCount() {
        return loaded.get();
    }

    /** Images skipped so far, over all iterations. */
    public long skippedCount() {
        return skipped.get();
    }

    /**
     * Jobs for {@code paths}, all with {@code transform}, their seeds drawn in order from {@code gen}
     * (one {@code nextLong} each): the same generator state gives the same jobs.
     */
    public static List<Job> jobs(List<Path> paths, ImageTransform transform, Generator gen) {
        List<Job> jobs = new ArrayList<>(paths.size());
        for (Path p : paths) jobs.add(new Job(p, transform, gen.nextLong()));
        return jobs;
    }

    /** Decodes and transforms one job on the calling thread. */
    public Item load(int index, Job job) {
        try {
            RgbImage image = job.transform().apply(decoder.decode(job.path()), new Generator(job.seed()));
            loaded.incrementAndGet();
            return new Item(index, job, image, null);
        } catch (ImageDecodeException e) {
            skipped.incrementAndGet();
            return new Item(index, job, null, e.getMessage());
        }
    }

    /**
     * Iterates {@code jobs} in batches of {@code batchSize} (the last may be smaller), keeping at most
     * {@code prefetch} batches in flight. Close the iterator to cancel what is still queued.
     */
    public Batches batches(List<Job> jobs, int batchSize, int prefetch) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        if (prefetch < 1) throw new IllegalArgumentException("prefetch must be >= 1, got " + prefetch);
        return new Batches(List.copyOf(jobs), batchSize, prefetch);
    }

    /** Stops the workers; queued work is cancelled. */
    @Override
    public void close() {
        pool.shutdownNow();
    }

    /** The batches of one pass over a job list. */
    public final class Batches implements Iterator<Batch>, AutoCloseable {
        private final List<Job> jobs;
        private final int batchSize;
        private final int batchCount;
        private final ArrayDeque<List<Future<Item>>> inFlight = new ArrayDeque<>();
        private int submitted;
        private int delivered;

        private Batches(List<Job> jobs, int batchSize, int prefetch) {
            this.jobs = jobs;
            this.batchSize = batchSize;
            this.batchCount = (jobs.size() + batchSize - 1) / batchSize;
            for (int i = 0; i < prefetch && submitted < batchCount; i++) submitNext();
        }

        /** Number of batches in this pass. */
        public int batchCount() {
            return batchCount;
        }

        private void submitNext() {
            int from = submitted * batchSize, to = Math.min(jobs.size(), from + batchSize);
            List<Future<Item>> futures = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                int index = i;
                Job job = jobs.get(i);
                futures.add(pool.submit(() -> load(index, job)));
            }
            inFlight.addLast(futures);
            submitted++;
        }

        @Override
        public boolean hasNext() {
            return delivered < batchCount;
        }

        @Override
        public Batch next() {
            if (!hasNext()) throw new NoSuchElementException("no more batches");
            List<Future<Item>> futures = inFlight.pollFirst();
            if (futures == null) throw new IllegalStateException("this iteration was closed");
            List<Item> items = new ArrayList<>(futures.size());
            try {
                for (Future<Item> f : futures) items.add(f.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close(futures);
                throw new IllegalStateException("interrupted while waiting for images", e);
            } catch (ExecutionException | CancellationException e) {
                close(futures);
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                throw new IllegalStateException("image transform failed: " + cause, cause);
            }
            if (submitted < batchCount) submitNext();
            return new Batch(delivered++, List.copyOf(items));
        }

        private void close(List<Future<Item>> current) {
            for (Future<Item> f : current) f.cancel(true);
            close();
        }

        /** Cancels the batches still in flight. */
        @Override
        public void close() {
            for (List<Future<Item>> batch : inFlight)
                for (Future<Item> f : batch) f.cancel(true);
            inFlight.clear();
            delivered = batchCount;
        }
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "eve-image-" + n.getAndIncrement());
            t.setDaemon(true);
            return t;
        };
    }
}
