package dev.eve.models.text;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** pre_caption / pre_question against the outputs of EVE's own Python functions. */
class EveTextTest {

    @Test
    void matchesEvePython() {
        List<JsonNode> records = Fixtures.jsonl(Path.of("src/test/resources/fixtures/evetext/eve_text_goldens.jsonl"));
        assertEquals(579, records.size());
        Fixtures.Mismatches m = new Fixtures.Mismatches("eve text");
        for (JsonNode r : records) {
            String text = r.get("text").asText();
            int n = r.get("max_words").asInt();
            String id = "[" + text + "]/" + n;
            String q = EveText.preQuestion(text, n);
            m.check(r.get("pre_question").asText().equals(q), id, "pre_question", r.get("pre_question").asText(), q);
            if (r.has("pre_caption")) {
                String c = EveText.preCaption(text, n);
                m.check(r.get("pre_caption").asText().equals(c), id, "pre_caption", r.get("pre_caption").asText(), c);
            } else {
                boolean threw;
                try {
                    EveText.preCaption(text, n);
                    threw = false;
                } catch (IllegalArgumentException e) {
                    threw = e.getMessage().equals("pre_caption yields invalid text");
                }
                m.check(threw, id, "pre_caption", "ValueError", "no error");
            }
        }
        m.assertNone();
    }

    @Test
    void examples() {
        assertEquals("a person riding a horse drawn cart wagon", EveText.preCaption("A <person> riding a horse-drawn cart / wagon.", 30));
        assertEquals("whats the mans name", EveText.preCaption("  What's   the  man's\tname?  ", 30));
        assertEquals("  whats   the  mans\tname", EveText.preQuestion("  What's   the  man's\tname?  ", 30));
        assertThrows(IllegalArgumentException.class, () -> EveText.preCaption(" ... ", 30));
    }
}
