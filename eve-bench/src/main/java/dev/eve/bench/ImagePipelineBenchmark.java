package dev.eve.bench;

import dev.eve.core.tensor.Tensor;
import dev.eve.models.data.image.ImageDecoder;
import dev.eve.models.data.image.ImageTensors;
import dev.eve.models.data.image.PilResize;
import dev.eve.models.data.image.ResampleFilter;
import dev.eve.models.data.image.RgbImage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * EVE's test transform on one thread, in images per second: the four reference photographs as JPEGs
 * (512 x 512, 451 x 300, 600 x 400 colour; 512 x 512 grey) decoded, resized to {@code res x res}
 * bicubic (Pillow-exact) and normalised to a float32 CHW tensor. {@code pipeline} is the whole chain
 * (what {@code Image.open(p).convert('RGB')} + {@code Resize} + {@code ToTensor} + {@code Normalize}
 * cost); {@code decode}, {@code resize} and {@code normalize} are its stages alone. The images are read
 * from {@code dir} (default: the eve-models test fixtures, run from the repository root), from the page
 * cache. {@link ImagePipelineReport} runs Pillow on the same files next to it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms1g", "-Xmx2g"})
public class ImagePipelineBenchmark {

    static final List<String> IMAGES = List.of("astronaut.jpg", "chelsea.jpg", "coffee.jpg", "camera.jpg");
    static final String DEFAULT_DIR = "eve-models/src/test/resources/fixtures/image";

    @Param(DEFAULT_DIR)
    public String dir;

    @Param("384")
    public int res;

    Path[] files;
    RgbImage[] decoded;
    RgbImage[] resized;
    final ImageDecoder decoder = ImageDecoder.standard();

    @Setup(Level.Trial)
    public void setup() {
        files = IMAGES.stream().map(n -> Path.of(dir, n)).toArray(Path[]::new);
        for (Path f : files)
            if (!Files.isRegularFile(f)) throw new IllegalStateException("missing " + f.toAbsolutePath() + " (run from the repository root or set -p dir=...)");
        decoded = new RgbImage[files.length];
        resized = new RgbImage[files.length];
        for (int i = 0; i < files.length; i++) {
            decoded[i] = decoder.decode(files[i]);
            resized[i] = PilResize.resize(decoded[i], res, res, ResampleFilter.BICUBIC);
        }
    }

    @Benchmark
    @OperationsPerInvocation(4)
    public void pipeline(Blackhole bh) {
        for (Path f : files) {
            RgbImage image = decoder.decode(f);
            Tensor t = ImageTensors.toTensor(PilResize.resize(image, res, res, ResampleFilter.BICUBIC));
            bh.consume(t);
        }
    }

    @Benchmark
    @OperationsPerInvocation(4)
    public void decode(Blackhole bh) {
        for (Path f : files) bh.consume(decoder.decode(f));
    }

    @Benchmark
    @OperationsPerInvocation(4)
    public void resize(Blackhole bh) {
        for (RgbImage im : decoded) bh.consume(PilResize.resize(im, res, res, ResampleFilter.BICUBIC));
    }

    @Benchmark
    @OperationsPerInvocation(4)
    public void normalize(Blackhole bh) {
        for (RgbImage im : resized) bh.consume(ImageTensors.toTensor(im));
    }
}
