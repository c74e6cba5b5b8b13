package dev.eve.models.data.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * A decoded {@link BufferedImage} to RGB bytes the way Pillow's {@code convert('RGB')} treats the
 * mode Pillow would have opened the file in. Samples are read from the raster, never through
 * {@code getRGB}, so no colour management happens (Pillow ignores ICC profiles and gAMA too):
 *
 * <ul>
 *   <li>grey (L): replicated to R = G = B; 16-bit grey opens as Pillow mode {@code I} and
 *       {@code I -> RGB} clips values above 255 to 255 (so it is NOT scaled down);</li>
 *   <li>grey + alpha (LA), RGBA: alpha dropped, no compositing; 16-bit samples of these and of RGB
 *       keep their high byte (Pillow's {@code ;16B} raw modes);</li>
 *   <li>palette (P, 1-bit, 2/4-bit grey): the palette entry's RGB, transparency ignored;</li>
 *   <li>CMYK (Adobe/YCCK JPEGs after the decoder's inversion): Pillow's {@code cmyk2rgb},
 *       {@code 255 - k - c * (255 - k) / 255} per channel in its rounding.</li>
 * </ul>
 * Anything else (a colour space that is none of these) goes through Java's colour conversion to
 * sRGB, the closest available.
 */
final class RgbConversion {

    private RgbConversion() {}

    static RgbImage toRgb(BufferedImage image) {
        Raster raster = image.getRaster();
        ColorModel cm = image.getColorModel();
        int w = raster.getWidth(), h = raster.getHeight();
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        if (cm instanceof IndexColorModel icm) {
            indexed(raster, icm, out);
            return new RgbImage(w, h, out);
        }
        int colors = cm.getNumColorComponents();
        int type = cm.getColorSpace().getType();
        boolean gray = type == ColorSpace.TYPE_GRAY && colors == 1;
        boolean rgb = type == ColorSpace.TYPE_RGB && colors == 3;
        boolean cmyk = type == ColorSpace.TYPE_CMYK && colors == 4;
        if (!(gray || rgb || cmyk) || raster.getNumBands() < colors) {
            managed(image, out);
            return new RgbImage(w, h, out);
        }
        if (raster.getTransferType() == DataBuffer.TYPE_BYTE && cm.getComponentSize(0) == 8
                && raster.getSampleModel() instanceof ComponentSampleModel csm
                && raster.getDataBuffer() instanceof DataBufferByte db && db.getNumBanks() == 1
                && java.util.Arrays.stream(csm.getBankIndices()).allMatch(b -> b == 0)
                && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0) {
            interleaved8(db.getData(), db.getOffset(), csm, colors, gray, cmyk, w, h, out);
            return new RgbImage(w, h, out);
        }
        generic(raster, cm, colors, gray, cmyk, out);
        return new RgbImage(w, h, out);
    }

    /** The common case (8-bit, one bank): read the bytes in place. */
    private static void interleaved8(byte[] data, int base, ComponentSampleModel sm, int colors, boolean gray,
                                     boolean cmyk, int w, int h, byte[] out) {
        int ps = sm.getPixelStride(), ss = sm.getScanlineStride();
        int[] off = sm.getBandOffsets();
        int o = 0;
        for (int y = 0; y < h; y++) {
            int row = base + y * ss;
            if (gray) {
                for (int x = 0, i = row + off[0]; x < w; x++, i += ps) {
                    byte v = data[i];
                    out[o++] = v;
                    out[o++] = v;
                    out[o++] = v;
                }
            } else if (cmyk) {
                for (int x = 0, i = row; x < w; x++, i += ps) {
                    o = cmykToRgb(data[i + off[0]] & 0xFF, data[i + off[1]] & 0xFF, data[i + off[2]] & 0xFF,
                            data[i + off[3]] & 0xFF, out, o);
                }
            } else {
                int r = off[0], g = off[1], b = off[2];
                for (int x = 0, i = row; x < w; x++, i += ps) {
                    out[o++] = data[i + r];
                    out[o++] = data[i + g];
                    out[o++] = data[i + b];
                }
            }
        }
    }

    /** Any other component layout (16-bit, packed, multi-bank): sample by sample. */
    private static void generic(Raster raster, ColorModel cm, int colors, boolean gray, boolean cmyk, byte[] out) {
        int w = raster.getWidth(), h = raster.getHeight(), bands = raster.getNumBands();
        int[] shift = new int[colors];
        int[] max = new int[colors];
        for (int c = 0; c < colors; c++) {
            int bits = cm.getComponentSize(c);
            max[c] = bits >= 31 ? Integer.MAX_VALUE : (1 << bits) - 1;
            shift[c] = bits == 16 && !gray ? 8 : 0; // Pillow's ;16B raw modes take the high byte
        }
        boolean grayWithAlpha = gray && cm.hasAlpha();
        int[] px = new int[w * bands];
        int[] v = new int[colors];
        int o = 0;
        for (int y = 0; y < h; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, px);
            for (int x = 0; x < w; x++) {
                int p = x * bands;
                if (gray) {
                    int g = px[p];
                    int bits = cm.getComponentSize(0);
                    if (bits == 16) g = grayWithAlpha ? g >> 8 : Math.min(g, 255); // LA;16B vs mode I clipping
                    else if (bits != 8) g = scale(g, max[0]);
                    byte b = (byte) g;
                    out[o++] = b;
                    out[o++] = b;
                    out[o++] = b;
                } else {
                    for (int c = 0; c < colors; c++) {
                        int s = px[p + c];
                        int bits = cm.getComponentSize(c);
                        v[c] = bits == 8 ? s : bits == 16 ? s >> shift[c] : scale(s, max[c]);
                    }
                    if (cmyk) o = cmykToRgb(v[0], v[1], v[2], v[3], out, o);
                    else {
                        out[o++] = (byte) v[0];
                        out[o++] = (byte) v[1];
                        out[o++] = (byte) v[2];
                    }
                }
            }
        }
    }

    private static int scale(int v, int max) {
        return max == 255 ? v : (int) Math.round(v * 255.0 / max);
    }

    private static void indexed(Raster raster, IndexColorModel icm, byte[] out) {
        int w = raster.getWidth(), h = raster.getHeight();
        int n = icm.getMapSize();
        byte[] r = new byte[n], g = new byte[n], b = new byte[n];
        icm.getReds(r);
        icm.getGreens(g);
        icm.getBlues(b);
        int[] idx = new int[w];
        int o = 0;
        for (int y = 0; y < h; y++) {
            raster.getSamples(raster.getMinX(), raster.getMinY() + y, w, 1, 0, idx);
            for (int x = 0; x < w; x++) {
                int i = idx[x];
                if (i < n) {
                    out[o++] = r[i];
                    out[o++] = g[i];
                    out[o++] = b[i];
                } else {
                    o += 3; // an index past a short palette: Pillow's palette is zero-padded (black)
                }
            }
        }
    }

    /**
     * The raw samples of a 4-component JPEG (no colour conversion) to what Pillow makes of them:
     * libjpeg turns YCCK into CMYK ({@code C = 255 - (Y + 1.402 (Cr - 128))}, ... in its fixed-point
     * tables; K unchanged) or leaves CMYK as stored; Pillow then inverts all four channels of every
     * 4-component JPEG ("assume adobe conventions") and applies {@code cmyk2rgb}. So for YCCK
     * Pillow's CMY is the plain YCbCr-to-RGB of the first three samples, and its K is {@code 255 - K}.
     */
    static RgbImage fromJpegCmyk(Raster raster, boolean ycck) {
        int w = raster.getWidth(), h = raster.getHeight();
        if (raster.getNumBands() != 4) throw new IllegalStateException("expected 4 bands, got " + raster.getNumBands());
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        int[] px = new int[w * 4];
        int o = 0;
        for (int y = 0; y < h; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, px);
            for (int x = 0, p = 0; x < w; x++, p += 4) {
                int c, m, ye, k = 255 - px[p + 3];
                if (ycck) {
                    int luma = px[p], cb = px[p + 1], cr = px[p + 2];
                    c = clip8(luma + CR_R[cr]);
                    m = clip8(luma + ((CB_G[cb] + CR_G[cr]) >> SCALEBITS));
                    ye = clip8(luma + CB_B[cb]);
                } else {
                    c = 255 - px[p];
                    m = 255 - px[p + 1];
                    ye = 255 - px[p + 2];
                }
                o = cmykToRgb(c, m, ye, k, out, o);
            }
        }
        return new RgbImage(w, h, out);
    }

    // libjpeg's YCbCr -> RGB tables (jdcolor.c build_ycc_rgb_table): 16-bit fixed point.
    private static final int SCALEBITS = 16;
    private static final int[] CR_R = new int[256], CB_B = new int[256], CR_G = new int[256], CB_G = new int[256];

    static {
        long half = 1L << (SCALEBITS - 1);
        for (int i = 0; i < 256; i++) {
            long x = i - 128;
            CR_R[i] = (int) ((fix(1.40200) * x + half) >> SCALEBITS);
            CB_B[i] = (int) ((fix(1.77200) * x + half) >> SCALEBITS);
            CR_G[i] = (int) (-fix(0.71414) * x);
            CB_G[i] = (int) (-fix(0.34414) * x + half);
        }
    }

    private static long fix(double v) {
        return (long) (v * (1L << SCALEBITS) + 0.5);
    }

    /** Pillow's {@code cmyk2rgb}: {@code nk = 255 - k}, channel = {@code nk - MULDIV255(c, nk)}. */
    static int cmykToRgb(int c, int m, int y, int k, byte[] out, int o) {
        int nk = 255 - k;
        out[o++] = (byte) clip8(nk - mulDiv255(c, nk));
        out[o++] = (byte) clip8(nk - mulDiv255(m, nk));
        out[o++] = (byte) clip8(nk - mulDiv255(y, nk));
        return o;
    }

    private static int mulDiv255(int a, int b) {
        int t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    }

    private static int clip8(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /** Colour spaces Pillow has no counterpart for: Java's conversion to sRGB. */
    private static void managed(BufferedImage image, byte[] out) {
        int w = image.getWidth(), h = image.getHeight();
        int[] row = new int[w];
        int o = 0;
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int p = row[x];
                out[o++] = (byte) (p >> 16);
                out[o++] = (byte) (p >> 8);
                out[o++] = (byte) p;
            }
        }
    }
}
