package dev.eve.models.text.hf.core;

/** What happens to the delimiter when a string is split (Hugging Face's SplitDelimiterBehavior). */
public enum SplitBehavior {
    REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS;

    /** Parses the tokenizer.json spelling ("Removed", "Isolated", "MergedWithPrevious", ...). */
    public static SplitBehavior parse(String s) {
        return switch (s) {
            case "Removed" -> REMOVED;
            case "Isolated" -> ISOLATED;
            case "MergedWithPrevious" -> MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> MERGED_WITH_NEXT;
            case "Contiguous" -> CONTIGUOUS;
            default -> throw new IllegalArgumentException("unknown split behavior \"" + s + "\"");
        };
    }
}
