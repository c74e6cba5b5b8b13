package dev.eve.core.ops;

/** How a loss combines its per-element values. */
public enum Reduction {
    MEAN, SUM, NONE
}
