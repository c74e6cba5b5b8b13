package dev.eve.models.tasks.vqa;

import dev.eve.core.io.AtomicFiles;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The result files of the original's {@code collect_result}, byte for byte: {@code <name>_rank0.json}
 * (one {@code json.dumps} per line) and {@code <name>.json} ({@code json.dump(list, indent=4)} with
 * Python's defaults: ASCII escapes, ", " and ": " separators, no trailing newline). Also the VQA
 * accuracy where reference answers are known: min(1, matches / 3) per question, averaged.
 */
public final class VqaResults {

    private VqaResults() {}

    /** Writes both files into {@code dir}; returns the path of {@code <name>.json}. */
    public static Path write(Path dir, String name, List<VqaEvaluator.Answer> answers) {
        StringBuilder lines = new StringBuilder(), list = new StringBuilder();
        if (answers.isEmpty()) {
            list.append("[]");
        } else {
            list.append("[\n");
            for (int i = 0; i < answers.size(); i++) {
                VqaEvaluator.Answer a = answers.get(i);
                String entry = "{\"question_id\": " + a.questionId() + ", \"answer\": " + pythonString(a.answer()) + "}";
                lines.append(entry).append('\n');
                list.append("    {\n        \"question_id\": ").append(a.questionId())
                        .append(",\n        \"answer\": ").append(pythonString(a.answer())).append("\n    }");
                list.append(i + 1 < answers.size() ? ",\n" : "\n");
            }
            list.append(']');
        }
        AtomicFiles.write(dir.resolve(name + "_rank0.json"), lines.toString().getBytes(StandardCharsets.UTF_8));
        Path result = dir.resolve(name + ".json");
        AtomicFiles.write(result, list.toString().getBytes(StandardCharsets.UTF_8));
        return result;
    }

    /** A JSON string as Python's json module writes it with ensure_ascii=True. */
    static String pythonString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20 || c > 0x7e) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }

    /**
     * The official VQA accuracy (without its answer normalisation) against the human answers of each
     * question, in [0, 1]: per question the mean over leaving each annotator out of
     * min(1, matches among the others / 3). Questions without reference answers are left out.
     */
    public static double accuracy(List<VqaEvaluator.Answer> predictions, Map<Long, List<String>> reference) {
        double total = 0;
        int n = 0;
        for (VqaEvaluator.Answer p : predictions) {
            List<String> ref = reference.get(p.questionId());
            if (ref == null || ref.isEmpty()) continue;
            double q = 0;
            for (int leave = 0; leave < ref.size(); leave++) {
                int matches = 0;
                for (int j = 0; j < ref.size(); j++) if (j != leave && ref.get(j).equals(p.answer())) matches++;
                q += Math.min(1.0, matches / 3.0);
            }
            total += q / ref.size();
            n++;
        }
        return n == 0 ? Double.NaN : total / n;
    }

    /** The simpler min(1, matches / 3) accuracy over all human answers, in [0, 1]. */
    public static double accuracyMin3(List<VqaEvaluator.Answer> predictions, Map<Long, List<String>> reference) {
        double total = 0;
        int n = 0;
        for (VqaEvaluator.Answer p : predictions) {
            List<String> ref = reference.get(p.questionId());
            if (ref == null || ref.isEmpty()) continue;
            long matches = ref.stream().filter(a -> a.equals(p.answer())).count();
            total += Math.min(1.0, matches / 3.0);
            n++;
        }
        return n == 0 ? Double.NaN : total / n;
    }
}
