package dev.eve.models.text.hf.core;

/** A model token: id, string value and [start, end) in UTF-16 units of the pre-token it came from. */
public record Token(int id, String value, int start, int end) {}
