package dev.eve.models.data.synthetic;

/**
 * The NLVR2-style statement families. A statement is drawn first (independently of its label), then
 * the label (True or False with equal odds), then image pairs until the statement has that label, so
 * the text alone says nothing about the label.
 */
public enum StatementType {
    /** "there is a red circle in the left image" / "the right image contains a blue square". */
    EXIST_SIDE,
    /** "both images contain a red object" / "... a square" / "... a green triangle". */
    BOTH,
    /** "neither image contains a yellow object" / "... a triangle". */
    NEITHER,
    /** "the left image has more circles than the right image" / "... fewer blue objects ...". */
    COMPARE,
    /** "the two images have the same number of squares" / "... of objects" / "... of red objects". */
    SAME_NUMBER,
    /** "there are three circles in total" / "there is one red object in total". */
    TOTAL,
    /**
     * "there is a red object in the left image" / "the right image contains a blue object": one colour
     * on one side. The easiest family (no shapes, no counting): the one a model of the demo's size learns
     * in its minutes.
     */
    COLOUR_SIDE
}
