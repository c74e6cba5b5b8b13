package dev.eve.models.tasks;

import dev.eve.core.tensor.Tensor;
import dev.eve.models.data.image.ImageLoader;
import dev.eve.models.data.image.ImageTransform;
import dev.eve.models.data.image.ImageTransforms;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Images for the tasks: the test transform for evaluation, the seeded train transforms for
 * training, decoded on the loader's own threads. An unreadable image is logged, counted and left
 * out of its batch; it never stops a run.
 */
public final class TaskImages implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TaskImages.class);

    /** Loaded training images and the positions (within the requested list) that made it. */
    public record Loaded(Tensor images, int[] kept) {}

    private final ImageLoader loader;
    private final int res;

    public TaskImages(int res) {
        this.loader = new ImageLoader();
        this.res = res;
    }

    public int resolution() {
        return res;
    }

    /** Number of images skipped so far (missing, corrupt, unsupported). */
    public long skipped() {
        return loader.skippedCount();
    }

    /** The evaluation source: {@code Resize((R, R), BICUBIC)}, ToTensor, Normalize(0.5, 0.5). Unreadable images fail. */
    public ImageSource evaluation() {
        ImageTransform test = ImageTransforms.test(res);
        return new ImageSource() {
            @Override
            public Tensor load(Path image) {
                return batch(List.of(image)).get(0);
            }

            @Override
            public Tensor batch(List<Path> images) {
                List<ImageLoader.Job> jobs = new ArrayList<>();
                for (Path p : images) jobs.add(new ImageLoader.Job(p, test, 0));
                try (ImageLoader.Batches b = loader.batches(jobs, Math.max(1, jobs.size()), 1)) {
                    ImageLoader.Batch batch = b.next();
                    if (!batch.skipped().isEmpty()) throw new IllegalArgumentException(batch.skipped().get(0).skipReason());
                    return batch.tensor();
                }
            }
        };
    }

    /** Training images, each transformed with its own seed; unreadable ones are skipped (logged). */
    public Loaded train(List<Path> images, long[] seeds, List<ImageTransform> transforms) {
        List<ImageLoader.Job> jobs = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) jobs.add(new ImageLoader.Job(images.get(i), transforms.get(i), seeds[i]));
        try (ImageLoader.Batches b = loader.batches(jobs, Math.max(1, jobs.size()), 1)) {
            ImageLoader.Batch batch = b.next();
            for (ImageLoader.Item s : batch.skipped()) LOG.warn("skipping an unreadable image: {}", s.skipReason());
            List<ImageLoader.Item> ok = batch.loaded();
            int[] kept = new int[ok.size()];
            for (int i = 0; i < kept.length; i++) kept[i] = ok.get(i).index();
            return new Loaded(ok.isEmpty() ? null : batch.tensor(), kept);
        }
    }

    @Override
    public void close() {
        loader.close();
    }
}
