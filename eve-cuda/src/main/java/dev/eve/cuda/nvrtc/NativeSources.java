package dev.eve.cuda.nvrtc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CUDA C++ sources shipped as class-path resources under {@value #PREFIX} (the repository's
 * {@code native/} folder), with the local headers each one includes.
 */
public final class NativeSources {

    /** Where the {@code native/} files live on the class path. */
    public static final String PREFIX = "eve/native/";

    private static final Pattern INCLUDE = Pattern.compile("^\\s*#\\s*include\\s+\"([^\"]+)\"", Pattern.MULTILINE);

    /** A source and the headers it includes (transitively), by include name. */
    public record Source(String fileName, String text, Map<String, String> headers) {}

    private NativeSources() {}

    /** The text of {@code native/<name>}; throws a clear error when it is not on the class path. */
    public static String read(String name) {
        String res = PREFIX + name;
        ClassLoader cl = NativeSources.class.getClassLoader();
        try (InputStream in = cl.getResourceAsStream(res)) {
            if (in == null)
                throw new IllegalArgumentException("no CUDA source " + name + " on the class path (looked for resource " + res
                        + "; native/ is packaged into eve-cuda's jar)");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + res, e);
        }
    }

    /** The source with its transitively included local headers. */
    public static Source load(String fileName) {
        String text = read(fileName);
        Map<String, String> headers = new LinkedHashMap<>();
        List<String> todo = new ArrayList<>(includes(text));
        while (!todo.isEmpty()) {
            String h = todo.removeFirst();
            if (headers.containsKey(h)) continue;
            String ht = read(h);
            headers.put(h, ht);
            todo.addAll(includes(ht));
        }
        return new Source(fileName, text, headers);
    }

    /** The {@code #include "x"} names of a source, in order. */
    public static List<String> includes(String text) {
        List<String> r = new ArrayList<>();
        Matcher m = INCLUDE.matcher(text);
        while (m.find()) r.add(m.group(1));
        return r;
    }
}
