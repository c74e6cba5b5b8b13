package dev.eve.models.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.eve.core.io.fuzz.LoaderFuzzing;
import dev.eve.models.data.DataFormatException;
import dev.eve.models.data.NlvrData;
import dev.eve.models.data.PretrainData;
import dev.eve.models.data.RetrievalData;
import dev.eve.models.data.VqaData;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The data-set JSON readers (retrieval train/eval, VQA train/test/answers/answer list, NLVR2,
 * pre-training JSON lists and JSON lines), all on the same file: each either reads it or throws a
 * one-line {@link DataFormatException} naming the file. Seeds: {@code AnnotationsFuzzTestInputs/}.
 */
class AnnotationsFuzzTest {

    @FuzzTest(maxDuration = "30s")
    @Timeout(10)
    void read(byte[] data) {
        Path dir = LoaderFuzzing.cleanDir("data");
        Path p = LoaderFuzzing.write(dir, "annotations.json", data);
        Path answers = LoaderFuzzing.write(dir, "answer_list.json", "[\"yes\", \"no\", \"2\", \"left\"]".getBytes(StandardCharsets.UTF_8));
        List<Path> files = List.of(p);
        long perByte = 256;
        LoaderFuzzing.check(p, perByte, () -> RetrievalData.train(files, dir), DataFormatException.class);
        LoaderFuzzing.check(p, perByte, () -> RetrievalData.eval(p, dir), DataFormatException.class);
        LoaderFuzzing.check(p, perByte, () -> NlvrData.read(files, dir), DataFormatException.class);
        LoaderFuzzing.check(p, perByte, () -> PretrainData.read(files, dir), DataFormatException.class);
        LoaderFuzzing.check(p, perByte, () -> VqaData.test(files, dir, dir, dir), DataFormatException.class);
        LoaderFuzzing.check(p, perByte, () -> VqaData.train(files, dir, dir, dir, VqaData.AnswerList.load(answers)),
                DataFormatException.class);
        LoaderFuzzing.check(p, perByte, () -> VqaData.referenceAnswers(files), DataFormatException.class);
        LoaderFuzzing.check(p, perByte, () -> VqaData.AnswerList.load(p), DataFormatException.class);
    }
}
