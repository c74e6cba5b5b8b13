package dev.eve.models.data.synthetic;

import java.util.List;

/** The VQA question families, each with its closed set of answers. */
public enum QuestionType {
    /** "what color is the circle" / "what is the color of the large square" -> a colour. */
    COLOR,
    /** "what shape is the red object" -> a shape. */
    SHAPE,
    /** "how many squares are there" / "how many blue objects are there" / "how many objects are there" -> zero .. four. */
    COUNT,
    /** "is there a green square" -> yes / no (balanced, half of the no's are near misses). */
    EXIST,
    /** "where is the blue triangle" -> top left / top right / bottom left / bottom right. */
    POSITION,
    /** "what size is the yellow circle" -> small / large. */
    SIZE;

    /** Every answer any question can have, in the order of {@code answer_list.json}. */
    public static List<String> allAnswers() {
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        out.add("yes");
        out.add("no");
        for (String n : Numbers.WORDS) out.add(n);
        for (Colour c : Colour.values()) out.add(c.word());
        for (Shape s : Shape.values()) out.add(s.word());
        for (Cell c : Cell.values()) out.add(c.words());
        for (Size s : Size.values()) out.add(s.word());
        return List.copyOf(out);
    }
}
