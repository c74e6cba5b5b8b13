package dev.eve.models.eve;

import java.util.Locale;

/** Which modalities a forward pass sees: image only, text only, or both joined ("vl"). */
public enum Mode {
    VISION, TEXT, VL;

    /** The name used by the original code and the fixtures: vision, text, vl. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Mode parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "vision", "image" -> VISION;
            case "text" -> TEXT;
            case "vl", "joint", "fusion" -> VL;
            default -> throw new IllegalArgumentException("unknown mode '" + s + "' (vision, text or vl)");
        };
    }
}
