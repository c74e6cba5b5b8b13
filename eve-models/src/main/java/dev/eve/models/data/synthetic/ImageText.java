package dev.eve.models.data.synthetic;

import dev.eve.models.data.image.RgbImage;

/** An image-text pair for pre-training or retrieval training: {@code imageIndex} is the image's index in its split. */
public record ImageText(int imageIndex, RgbImage image, String text) {}
