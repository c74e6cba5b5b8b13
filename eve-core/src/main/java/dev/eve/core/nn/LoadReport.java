package dev.eve.core.nn;

import java.util.List;

/**
 * What {@link Module#loadStateDict} found: keys the module expects but the state dict lacks, keys
 * the module does not have, and keys whose shapes differ ({@code name: expected [..], got [..]}).
 */
public record LoadReport(List<String> missing, List<String> unexpected, List<String> mismatched) {

    public boolean isClean() {
        return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty();
    }

    /** One line summarising the problems, with the first few keys of each kind. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        append(sb, "missing", missing);
        append(sb, "unexpected", unexpected);
        append(sb, "shape mismatch", mismatched);
        return sb.isEmpty() ? "all keys matched" : sb.toString();
    }

    private static void append(StringBuilder sb, String kind, List<String> keys) {
        if (keys.isEmpty()) return;
        if (!sb.isEmpty()) sb.append("; ");
        sb.append(keys.size()).append(' ').append(kind).append(": ");
        sb.append(String.join(", ", keys.subList(0, Math.min(5, keys.size()))));
        if (keys.size() > 5) sb.append(", ...");
    }
}
