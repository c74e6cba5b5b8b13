package dev.eve.models.data.synthetic;

/**
 * One VQA question about an image. {@code question} is what the model sees (EVE's {@code pre_question}
 * of {@code raw}, e.g. "what color is the circle"), {@code raw} the written form ("What color is the
 * circle?"), {@code answer} one of {@link QuestionType#allAnswers()}.
 */
public record VqaItem(long questionId, QuestionType type, String question, String raw, String answer) {}
