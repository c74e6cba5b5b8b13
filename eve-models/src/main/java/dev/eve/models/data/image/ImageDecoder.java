package dev.eve.models.data.image;

import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;

import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Decodes an image file to RGB bytes the way EVE's datasets open images:
 * {@code Image.open(path).convert('RGB')} with Pillow.
 *
 * <ul>
 *   <li>JPEG through TwelveMonkeys ImageIO (baseline, progressive, grey, CMYK, YCCK, Adobe,
 *       odd markers), PNG through the JDK's reader (every colour type and bit depth); other
 *       formats the JDK's ImageIO knows (GIF, BMP, TIFF) are read as well.</li>
 *   <li>Pixels follow {@code convert('RGB')} (see {@link RgbConversion}): grey is replicated,
 *       alpha dropped without compositing, palettes looked up ignoring transparency. The EXIF
 *       orientation is NOT applied (Pillow's {@code Image.open} does not).</li>
 *   <li>JPEG colour as libjpeg + Pillow: embedded ICC profiles are ignored (their identifiers are
 *       renamed before decoding, otherwise TwelveMonkeys would colour-convert); 4-component JPEGs
 *       are read as raw samples and converted as Pillow does (YCCK to CMYK with libjpeg's tables,
 *       Pillow's unconditional inversion, {@code cmyk2rgb}), not through a CMYK profile.</li>
 *   <li>Decompression bombs: the size is read from the header first and an image of more than
 *       {@link #maxPixels()} pixels is refused before any pixel is decoded (default
 *       {@value #DEFAULT_MAX_PIXELS}: where Pillow raises {@code DecompressionBombError}, twice its
 *       {@code MAX_IMAGE_PIXELS}); so is a header that claims more pixels than a file of its length
 *       can code (a truncated file or a lying header, which would otherwise cost the whole image's
 *       memory before failing).</li>
 *   <li>A missing, unreadable, empty, truncated, corrupt, oversized or unsupported file raises one
 *       {@link ImageDecodeException} with a one-line message naming the file; nothing else escapes
 *       (Errors aside).</li>
 * </ul>
 *
 * <p>Thread-safe: every call uses its own reader. Decoding is single-threaded and never touches the
 * compute pool.
 */
public final class ImageDecoder {

    /** Pillow 9.4's {@code 2 * Image.MAX_IMAGE_PIXELS}, above which it refuses an image. */
    public static final long DEFAULT_MAX_PIXELS = 178_956_970L;

    private static final ImageDecoder DEFAULT = new ImageDecoder(DEFAULT_MAX_PIXELS);

    private final long maxPixels;

    /** A decoder refusing images of more than {@code maxPixels} pixels. */
    public ImageDecoder(long maxPixels) {
        if (maxPixels <= 0) throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
        this.maxPixels = maxPixels;
    }

    /** The decoder with the default pixel limit. */
    public static ImageDecoder standard() {
        return DEFAULT;
    }

    public long maxPixels() {
        return maxPixels;
    }

    /** Decodes {@code file} to RGB. */
    public RgbImage decode(Path file) {
        return decode(readFile(file), file);
    }

    /**
     * Decodes an image held in memory; {@code name} is only used in error messages.
     */
    public RgbImage decode(byte[] data, Path name) {
        if (data.length == 0) throw new ImageDecodeException(name, "empty file (0 bytes)");
        Format format = Format.sniff(data);
        // Pillow wants FF D8 FF for a JPEG and identifies nothing else by FF D8; ImageIO's JPEG readers
        // take any FF D8, and would do so past the ICC stripping below (a profile's claimed size is
        // allocated before anything fails).
        if (format == Format.OTHER && data.length >= 2 && (data[0] & 0xFF) == 0xFF && (data[1] & 0xFF) == 0xD8)
            throw new ImageDecodeException(name, "not a recognised image format (a JPEG start, FF D8, without a marker after it)");
        JpegHeader jpeg = null;
        if (format == Format.JPEG) {
            jpeg = JpegHeader.parse(data);
            // Pillow ignores embedded ICC profiles; TwelveMonkeys would colour-convert with them (and
            // looks for them past the header too, between scans).
            data = JpegHeader.withoutIccProfile(data);
        }
        try (ImageInputStream in = new ByteArrayImageInputStream(data)) {
            ImageReader reader = format.reader(in);
            if (reader == null)
                throw new ImageDecodeException(name, "not a recognised image format (first bytes " + hex(data) + ")");
            try {
                reader.setInput(in, true, true);
                return read(reader, name, jpeg, format, data);
            } finally {
                reader.dispose();
            }
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ImageDecodeException(name, describe(format, e), e);
        }
    }

    /** Reads the size from the header and decodes the pixels only when it is under the limits. */
    private RgbImage read(ImageReader reader, Path name, JpegHeader jpeg, Format format, byte[] data) throws IOException {
        int w = reader.getWidth(0), h = reader.getHeight(0);
        if (w <= 0 || h <= 0) throw new ImageDecodeException(name, "invalid image size " + w + " x " + h);
        long pixels = (long) w * h;
        if (pixels > maxPixels)
            throw new ImageDecodeException(name, "image of " + w + " x " + h + " = " + pixels
                    + " pixels exceeds the limit of " + maxPixels + " pixels (decompression bomb guard)");
        if (!canHold(format, data, w, h))
            throw new ImageDecodeException(name, "image of " + w + " x " + h + " pixels cannot be coded in a file of " + data.length
                    + " bytes (truncated, or a header that lies about the size)");
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        if (jpeg != null && jpeg.components() == 4) {
            // The raw samples, converted as libjpeg + Pillow do (TwelveMonkeys' read() would
            // colour-manage them with a CMYK profile).
            Raster raw = reader.readRaster(0, null);
            check(warnings, raw.getWidth(), raw.getHeight(), w, h, name);
            return RgbConversion.fromJpegCmyk(raw, jpeg.isYcck());
        }
        BufferedImage image = reader.read(0);
        check(warnings, image.getWidth(), image.getHeight(), w, h, name);
        return RgbConversion.toRgb(image);
    }

    /**
     * Whether a {@code format} file of {@code data.length} bytes can hold a {@code w x h} image. ImageIO's
     * readers allocate the whole image before they read any pixel data, so a small file whose header
     * claims a large size would cost that memory before failing as truncated: such headers are refused
     * first. PNG: deflate expands at most 1032 times, and the filtered rows (one filter byte plus
     * {@code ceil(w * bits per pixel / 8)} bytes each) must come out of the file's bytes. JPEG: every 8x8
     * block of a Huffman-coded scan costs at least one bit, at most 512 pixels per byte (4096 allowed).
     * Other formats (GIF's LZW, BMP's and TIFF's RLE, PackBits and deflate): 8192 pixels per byte.
     */
    private static boolean canHold(Format format, byte[] data, long w, long h) {
        long bytes = data.length;
        return switch (format) {
            case PNG -> {
                if (data.length < 26) yield true; // no IHDR: the reader reports it
                int depth = data[24] & 0xFF, channels = switch (data[25] & 0xFF) {
                    case 2 -> 3;
                    case 4 -> 2;
                    case 6 -> 4;
                    default -> 1;
                };
                long rowBytes = 1 + (w * Math.max(1, depth) * channels + 7) / 8;
                yield h * rowBytes / 1032 <= bytes;
            }
            case JPEG -> w * h / 4096 <= bytes;
            case OTHER -> w * h / 8192 <= bytes;
        };
    }

    private static void check(List<String> warnings, int gotW, int gotH, int w, int h, Path name) {
        for (String warning : warnings) {
            // Pillow refuses truncated data ("image file is truncated"); other decoder warnings
            // (extraneous bytes, odd markers) are not errors there either.
            String lower = warning.toLowerCase(Locale.ROOT);
            if (lower.contains("premature end") || lower.contains("truncated") || lower.contains("missing eoi"))
                throw new ImageDecodeException(name, "truncated image data (" + warning + ")");
        }
        if (gotW != w || gotH != h)
            throw new ImageDecodeException(name, "decoded " + gotW + " x " + gotH + " pixels but the header says " + w + " x " + h);
    }

    private static byte[] readFile(Path file) {
        try {
            long size = Files.size(file);
            if (size > Integer.MAX_VALUE - 16)
                throw new ImageDecodeException(file, "file of " + size + " bytes is too large to be an image");
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ImageDecodeException(file, "no such file", e);
        } catch (AccessDeniedException e) {
            throw new ImageDecodeException(file, "permission denied", e);
        } catch (IOException e) {
            throw new ImageDecodeException(file, "cannot read the file: " + e, e);
        }
    }

    private static String describe(Format format, Exception e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String what = format == Format.OTHER ? "image" : format.name() + " image";
        String msg = e instanceof IIOException || e instanceof IOException
                ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
        if (root != e && root.getMessage() != null && !String.valueOf(msg).contains(root.getMessage()))
            msg = msg + " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
        if (root instanceof java.io.EOFException) msg = "truncated image data (" + msg + ")";
        return "corrupt " + what + ": " + msg;
    }

    private static String hex(byte[] data) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(8, data.length); i++) sb.append(String.format("%02x", data[i] & 0xFF));
        return sb.toString();
    }

    /** The formats told apart by their first bytes. */
    private enum Format {
        JPEG, PNG, OTHER;

        static Format sniff(byte[] d) {
            if (d.length >= 3 && (d[0] & 0xFF) == 0xFF && (d[1] & 0xFF) == 0xD8 && (d[2] & 0xFF) == 0xFF) return JPEG;
            if (d.length >= 8 && (d[0] & 0xFF) == 0x89 && d[1] == 'P' && d[2] == 'N' && d[3] == 'G'
                    && d[4] == 0x0D && d[5] == 0x0A && d[6] == 0x1A && d[7] == 0x0A) return PNG;
            return OTHER;
        }

        ImageReader reader(ImageInputStream in) throws IOException {
            return switch (this) {
                case JPEG -> Readers.create(Readers.JPEG);
                case PNG -> Readers.create(Readers.PNG);
                case OTHER -> {
                    Iterator<ImageReader> it = ImageIO.getImageReaders(in);
                    yield it.hasNext() ? it.next() : null;
                }
            };
        }
    }

    /** The reader providers, looked up once. */
    private static final class Readers {
        static final ImageReaderSpi JPEG = find("jpeg", "com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReaderSpi");
        static final ImageReaderSpi PNG = find("png", "com.sun.imageio.plugins.png.PNGImageReaderSpi");

        static ImageReader create(ImageReaderSpi spi) throws IOException {
            return spi.createReaderInstance();
        }

        private static ImageReaderSpi find(String format, String preferred) {
            IIORegistry registry = IIORegistry.getDefaultInstance();
            ImageReaderSpi spi = lookup(registry, format, preferred);
            if (spi == null || !spi.getClass().getName().equals(preferred)) {
                ImageIO.scanForPlugins(); // a class loader the registry has not seen yet
                spi = lookup(registry, format, preferred);
            }
            if (spi == null) throw new IllegalStateException("no ImageIO reader for " + format);
            return spi;
        }

        private static ImageReaderSpi lookup(IIORegistry registry, String format, String preferred) {
            ImageReaderSpi first = null;
            Iterator<ImageReaderSpi> it = registry.getServiceProviders(ImageReaderSpi.class, true);
            while (it.hasNext()) {
                ImageReaderSpi spi = it.next();
                boolean handles = false;
                for (String n : spi.getFormatNames()) handles |= n.equalsIgnoreCase(format);
                if (!handles) continue;
                if (spi.getClass().getName().equals(preferred)) return spi;
                if (first == null) first = spi;
            }
            return first;
        }
    }
}
