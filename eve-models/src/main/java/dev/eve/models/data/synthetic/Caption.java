package dev.eve.models.data.synthetic;

/**
 * One caption: {@code text} is what the model sees (lower case, no punctuation: exactly EVE's
 * {@code pre_caption} of {@code raw}); {@code raw} is the written form exported to the files
 * ("A large red circle, a small blue square and a green triangle.").
 */
public record Caption(CaptionStyle style, String text, String raw) {}
