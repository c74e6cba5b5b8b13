package dev.eve.models.data.synthetic;

import dev.eve.models.data.image.RgbImage;

/**
 * One NLVR2-style example: two images and a statement about them with its truth value.
 * {@code sentence} is what the model sees (EVE's {@code pre_caption} of {@code raw}).
 */
public record NlvrExample(Split split, int index, Scene left, Scene right, RgbImage leftImage, RgbImage rightImage,
                          StatementType type, String sentence, String raw, boolean label) {}
