package dev.eve.models.text;

import dev.eve.models.text.hf.HfTokenizer;
import dev.eve.models.text.hf.LegacyLayouts;
import dev.eve.models.text.spm.SentencePieceTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Loads a tokenizer from a path: a SentencePiece {@code .model} file, a Hugging Face {@code tokenizer.json}
 * file, or a folder holding {@code tokenizer.json}, or GPT-2's {@code vocab.json} + {@code merges.txt}, or
 * BERT's {@code vocab.txt}, or one {@code *.model} (in that order of preference). A
 * {@code tokenizer_config.json} next to the file supplies the pad token and the decoding clean-up flag,
 * as Python's {@code AutoTokenizer} reads them.
 */
public final class Tokenizers {

    private Tokenizers() {}

    public static Tokenizer load(Path path) {
        if (path == null) throw new TokenizerFormatException("no tokenizer path given");
        if (Files.isDirectory(path)) return loadFolder(path);
        if (!Files.isRegularFile(path)) throw TokenizerFormatException.of(path, "no such file or folder");
        String name = path.getFileName().toString();
        if (name.endsWith(".json")) {
            if (name.equals("vocab.json")) return loadFolder(path.toAbsolutePath().getParent());
            return HfTokenizer.load(path);
        }
        if (name.equals("vocab.txt")) return LegacyLayouts.bert(path.toAbsolutePath().getParent());
        if (name.equals("merges.txt")) return loadFolder(path.toAbsolutePath().getParent());
        if (looksLikeJson(path)) return HfTokenizer.load(path);
        return SentencePieceTokenizer.load(path);
    }

    private static boolean looksLikeJson(Path file) {
        try (var in = Files.newInputStream(file)) {
            int c;
            while ((c = in.read()) >= 0) {
                if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == 0xEF || c == 0xBB || c == 0xBF) continue;
                return c == '{';
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private static Tokenizer loadFolder(Path dir) {
        if (Files.isRegularFile(dir.resolve("tokenizer.json"))) return HfTokenizer.load(dir.resolve("tokenizer.json"));
        if (Files.isRegularFile(dir.resolve("vocab.json")) && Files.isRegularFile(dir.resolve("merges.txt"))) return LegacyLayouts.gpt2(dir);
        if (Files.isRegularFile(dir.resolve("vocab.txt"))) return LegacyLayouts.bert(dir);
        List<Path> models;
        try (Stream<Path> s = Files.list(dir)) {
            models = s.filter(p -> p.getFileName().toString().endsWith(".model") && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw TokenizerFormatException.of(dir, "cannot list the folder: " + e.getMessage());
        }
        if (models.size() == 1) return SentencePieceTokenizer.load(models.get(0));
        if (models.size() > 1) {
            throw TokenizerFormatException.of(dir, "several SentencePiece models (" + models.size() + "); name the .model file");
        }
        throw TokenizerFormatException.of(dir, "unsupported tokenizer folder: no tokenizer.json, vocab.json + merges.txt, vocab.txt or *.model");
    }
}
