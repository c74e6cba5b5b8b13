package dev.eve.models.data.synthetic;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.util.HashSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** For any seed, index and palette: the texts tell the truth about the scene, and generation is repeatable. */
class SyntheticPropertiesTest {

    static Settings settings(long seed, int shapes, int colours, int maxObjects) {
        return Settings.defaults().withSeed(seed).withPalette(shapes, colours).withObjects(1, maxObjects)
                .withCaptionsPerImage(4).withQuestionsPerImage(5);
    }

    @Property(tries = 150)
    void everyTextIsTrueOfItsScene(@ForAll long seed, @ForAll @IntRange(min = 0, max = 1_000_000) int index,
                                   @ForAll @IntRange(min = 2, max = 4) int shapes, @ForAll @IntRange(min = 2, max = 6) int colours,
                                   @ForAll @IntRange(min = 1, max = 4) int maxObjects) {
        Settings s = settings(seed, shapes, colours, maxObjects);
        Split split = index % 2 == 0 ? Split.TRAIN : Split.TEST;
        Sample sample = SyntheticData.sample(s, split, index);
        Scene scene = sample.scene();
        assertTrue(scene.size() >= 1 && scene.size() <= maxObjects);
        for (SceneObject o : scene.objects()) assertTrue(o.shape().ordinal() < shapes && o.colour().ordinal() < colours, o.toString());
        for (Caption c : sample.captions())
            assertTrue(SceneOracle.describesExactly(scene, SceneOracle.phrases(scene, c.text())), c + " vs " + scene.objects());
        assertTrue(sample.questions().size() >= 2, "count and existence questions are always possible");
        assertEquals(sample.questions().size(), new HashSet<>(sample.questions().stream().map(VqaItem::question).toList()).size());
        for (VqaItem q : sample.questions()) assertEquals(SceneOracle.answer(scene, q.question()), q.answer(), q.toString());

        NlvrExample e = SyntheticData.nlvr(s, split, index);
        assertEquals(SceneOracle.truth(e.left(), e.right(), e.sentence()), e.label(), e.sentence());

        Sample again = SyntheticData.sample(s, split, index);
        assertArrayEquals(sample.image().pixels(), again.image().pixels());
        assertEquals(sample.captions(), again.captions());
    }
}
