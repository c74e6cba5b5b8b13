package dev.eve.models.data.synthetic;

import dev.eve.models.data.image.RgbImage;

import java.util.List;

/**
 * One image of a split with its texts: captions (retrieval and pre-training) and VQA questions.
 * {@code sceneIndex} is the scene's index in {@link SyntheticScenes}.
 */
public record Sample(Split split, int index, long sceneIndex, Scene scene, RgbImage image, List<Caption> captions,
                     List<VqaItem> questions) {

    public Sample {
        captions = List.copyOf(captions);
        questions = List.copyOf(questions);
    }

    /** The caption texts as the model sees them. */
    public List<String> captionTexts() {
        return captions.stream().map(Caption::text).toList();
    }
}
