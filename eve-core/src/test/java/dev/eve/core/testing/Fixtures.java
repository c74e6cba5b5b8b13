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

    /** The path of a test resource, e.g. {@code fixtures/ops/softmax.safetensors}. */
    public static Path path(String resource) {
        URL url = Fixtures.class.getClassLoader().getResource(resource);
        if (url == null) throw new IllegalStateException("missing test resource " + resource);
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Map<String, Tensor> load(String resource) {
        return SafeTensors.load(path(resource));
    }

    /** One op's golden tensors from {@code fixtures/ops/<name>.safetensors}. */
    public static Map<String, Tensor> op(String name) {
        return load("fixtures/ops/" + name + ".safetensors");
    }
}
