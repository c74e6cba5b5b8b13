package dev.eve.models.data.synthetic;

/** The two splits; their items come from disjoint index ranges of the same generator. */
public enum Split {
    TRAIN,
    TEST;

    /** The lower-case name used in file names ("train", "test"). */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
