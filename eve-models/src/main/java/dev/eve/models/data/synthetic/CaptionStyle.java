package dev.eve.models.data.synthetic;

/** The caption templates; each image gets captions of different styles (with random paraphrases). */
public enum CaptionStyle {
    /** Every object with its colour and shape, sizes often: "a picture of a large red circle a small blue square and a green triangle". */
    LIST,
    /** Objects grouped by colour and shape with counts: "there are two red circles and a blue square". */
    GROUPED,
    /** Every object with its quadrant: "a red circle in the top left and a small blue square in the bottom right". */
    POSITIONS,
    /** The number of objects, then the list: "three objects a red circle a blue square and a green triangle". */
    COUNTED,
    /** Shapes with counts, no colours: "two circles and a square". */
    SHAPES,
    /** Colours with counts, no shapes: "a red object and two blue objects". */
    COLOURS
}
