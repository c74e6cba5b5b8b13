/**
 * Tokenizers in pure Java with exactly the output of the reference implementations, and EVE's text
 * cleaning.
 *
 * <pre>{@code
 * Tokenizer tok = Tokenizers.load(Path.of("bert-base-uncased"));      // folder, tokenizer.json or .model
 * Encoding e = tok.encode("A man riding a wave.", true);              // ids, pieces, code-point offsets
 * String text = tok.decode(e.ids(), true);
 * BatchEncoding b = tok.encodeBatch(captions, BatchOptions.maxLength(40)); // EVE's padding='max_length' call
 * int[][] inputIds = b.inputIds(), attentionMask = b.attentionMask();
 * String caption = EveText.preCaption(raw, 30);                        // EVE's pre_caption
 * }</pre>
 *
 * <ul>
 *   <li>{@code spm}: SentencePiece {@code .model} files with the behaviour of the SentencePiece library 0.1.97
 *       (normalizer with the model's precompiled character map, BPE, unigram, word and char models, byte
 *       fallback, user-defined and control symbols, decoding).</li>
 *   <li>{@code hf}: Hugging Face {@code tokenizer.json} with the behaviour of the {@code tokenizers} Rust
 *       library (added tokens, normalizers, pre-tokenizers, BPE / WordPiece / WordLevel / Unigram, truncation,
 *       post-processors, padding, decoders, character offsets), and the older GPT-2 and BERT folder layouts.
 *       {@code hf.core} holds the alignment-tracking string the pipeline is built on.</li>
 *   <li>{@code util}: UTF-8, the double-array trie of SentencePiece's character maps, and the Unicode
 *       character classes of Rust, Python and the old tables Hugging Face relies on.</li>
 * </ul>
 *
 * Errors are {@link dev.eve.models.text.TokenizerException}s; a broken or unsupported tokenizer file is a
 * {@link dev.eve.models.text.TokenizerFormatException} whose one-line message names the file and the
 * component or field.
 */
package dev.eve.models.text;
