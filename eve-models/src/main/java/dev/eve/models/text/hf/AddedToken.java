package dev.eve.models.text.hf;

/** An entry of tokenizer.json's {@code added_tokens}. */
public record AddedToken(String content, boolean singleWord, boolean lstrip, boolean rstrip, boolean normalized, boolean special) {}
