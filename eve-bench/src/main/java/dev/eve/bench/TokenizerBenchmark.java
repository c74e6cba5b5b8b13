package dev.eve.bench;

import dev.eve.core.backend.cpu.Parallel;
import dev.eve.models.text.Tokenizer;
import dev.eve.models.text.spm.SentencePieceTokenizer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/**
 * Encoding throughput of the SentencePiece BPE tokenizer (the fixture's 8k {@code spm_bpe8k.model}) over
 * the 50,000-sentence benchmark corpus: one operation is one pass over the whole corpus. {@code single}:
 * one thread, ids only (what {@code spm_encode --output_format=id} computes); {@code singleFull}: one thread
 * with pieces and offsets too; {@code batch}: {@link Tokenizer#encodeBatchIds} on all cores
 * ({@link Parallel#threads()}). {@link TokenizerReport} turns the times into sentences/s and tokens/s and
 * runs SentencePiece's own {@code spm_encode} next to it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms1g", "-Xmx2g", "-Xss8m"})
public class TokenizerBenchmark {

    static final String MODEL = "/tokenizer/spm_bpe8k.model";
    static final String CORPUS = "/tokenizer/bench_corpus_50k.txt.gz";

    Tokenizer tokenizer;
    List<String> sentences;

    @Setup(Level.Trial)
    public void setup() {
        tokenizer = loadModel();
        sentences = loadCorpus();
    }

    static Tokenizer loadModel() {
        try (InputStream in = TokenizerBenchmark.class.getResourceAsStream(MODEL)) {
            if (in == null) throw new IllegalStateException("missing resource " + MODEL);
            return SentencePieceTokenizer.fromBytes(in.readAllBytes(), Path.of("spm_bpe8k.model"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> loadCorpus() {
        try (InputStream raw = TokenizerBenchmark.class.getResourceAsStream(CORPUS)) {
            if (raw == null) throw new IllegalStateException("missing resource " + CORPUS);
            BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.UTF_8));
            List<String> out = new ArrayList<>(50_000);
            for (String line; (line = r.readLine()) != null; ) out.add(line);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Benchmark
    public void single(Blackhole bh) {
        Tokenizer t = tokenizer;
        for (String s : sentences) bh.consume(t.encodeIds(s, false));
    }

    @Benchmark
    public void singleFull(Blackhole bh) {
        Tokenizer t = tokenizer;
        for (String s : sentences) bh.consume(t.encode(s, false));
    }

    @Benchmark
    public void batch(Blackhole bh) {
        bh.consume(tokenizer.encodeBatchIds(sentences, false));
    }
}
