package dev.eve.core.testing;

import dev.eve.core.io.SafeTensors;
import dev.eve.core.tensor.Tensor;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.Map;

/** Reads reference tensors from the test resources (copied from shared/fixtures with their READMEs). */
public final class Fixtures {

    private Fixtures() {}

    private static final java.util.Map<String, Path> EXTRACTED = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The path of a test resource, e.g. {@code fixtures/ops/softmax.safetensors}. Resources inside a
     * jar (another module's test jar) are copied to a temporary file once.
     */
    public static Path path(String resource) {
        URL url = Fixtures.class.getClassLoader().getResource(resource);
        if (url == null) throw new IllegalStateException("missing test resource " + resource);
        if (!"jar".equals(url.getProtocol())) {
            try {
                return Path.of(url.toURI());
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        return EXTRACTED.computeIfAbsent(resource, r -> {
            try (var in = url.openStream()) {
                String name = r.substring(r.lastIndexOf('/') + 1);
                Path dir = java.nio.file.Files.createTempDirectory("eve-fixture");
                Path file = dir.resolve(name);
                java.nio.file.Files.copy(in, file);
                file.toFile().deleteOnExit();
                dir.toFile().deleteOnExit();
                return file;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot extract test resource " + r, e);
            }
        });
    }

    public static Map<String, Tensor> load(String resource) {
        return SafeTensors.load(path(resource));
    }

    /** One op's golden tensors from {@code fixtures/ops/<name>.safetensors}. */
    public static Map<String, Tensor> op(String name) {
        return load("fixtures/ops/" + name + ".safetensors");
    }
}
