package dev.eve.models.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.eve.core.io.fuzz.LoaderFuzzing;
import dev.eve.models.data.image.ImageDecodeException;
import dev.eve.models.data.image.ImageDecoder;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;

/**
 * Image files (JPEG through TwelveMonkeys, PNG, and whatever else ImageIO recognises): the
 * standard {@link ImageDecoder} either decodes or throws a one-line {@link ImageDecodeException}
 * naming the file, and never allocates pixels the file cannot hold. Seeds: {@code ImageDecoderFuzzTestInputs/}.
 */
class ImageDecoderFuzzTest {

    /**
     * A valid image may hold many pixels per byte (deflate expands up to 1032 times, a 1-bit PNG has
     * 8 pixels per byte, and decoding keeps a few bytes per pixel), but not millions.
     */
    static final long BYTES_PER_FILE_BYTE = 128 << 10;

    @FuzzTest(maxDuration = "30s")
    @Timeout(10)
    void decode(byte[] data) {
        Path p = LoaderFuzzing.write("fuzz.img", data);
        LoaderFuzzing.check(p, BYTES_PER_FILE_BYTE, () -> ImageDecoder.standard().decode(p), ImageDecodeException.class);
    }
}
