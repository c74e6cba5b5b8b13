package dev.eve.cuda.dist;

/**
 * A value every rank of a {@link Rendezvous} must have alike (the number of GPUs each node drives).
 * Each rank sends its own in its hello and rank 0 compares them before it hands out anything, so
 * that one rank that differs stops every rank with the same message, rather than stopping itself
 * after the others have gone on to wait for it inside NCCL.
 *
 * @param value what this rank has; short and on one line, since it travels in the hello
 * @param claim says the value of a rank, {@code %s} standing for it: with {@code "drives %s GPU(s)"}
 *              a difference reads "rank 1 drives 2 GPU(s) but rank 0 drives 4 GPU(s)"
 * @param hint  what to do about a difference, after a colon (empty for none)
 */
public record Agreement(String value, String claim, String hint) {

    /** Longest {@link #value} a hello carries. */
    static final int MAX_VALUE_CHARS = 200;

    /** For a rendezvous whose ranks have nothing to agree on. */
    public static final Agreement NOTHING = new Agreement("", "has '%s'", "");

    public Agreement {
        if (value.length() > MAX_VALUE_CHARS) throw new IllegalArgumentException("an agreed value has at most " + MAX_VALUE_CHARS + " characters, got " + value.length());
        if (value.contains("\n") || claim.contains("\n") || hint.contains("\n"))
            throw new IllegalArgumentException("an agreement goes into a one-line message: no line breaks");
        if (!claim.contains("%s")) throw new IllegalArgumentException("the claim '" + claim + "' does not say where the value goes (%s)");
    }

    public static Agreement of(int value, String claim, String hint) {
        return new Agreement(Integer.toString(value), claim, hint);
    }

    /** Null when rank {@code rank}'s value {@code theirs} is this (rank 0's) value, else what differs. */
    String differenceFrom(int rank, String theirs) {
        if (value.equals(theirs)) return null;
        return "rank " + rank + " " + claim.replace("%s", theirs) + " but rank 0 " + claim.replace("%s", value) + (hint.isEmpty() ? "" : ": " + hint);
    }
}
