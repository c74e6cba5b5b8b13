package dev.eve.core.io;

import dev.eve.core.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Reads and writes state dicts (name to tensor, in order) in either checkpoint format: PyTorch
 * ({@code .pth}/{@code .pt}/{@code .bin}, see {@link TorchCheckpoint}) or safetensors (see
 * {@link SafeTensors}). Loading looks at the file's first bytes, not its name; saving goes by the
 * extension.
 */
public final class StateDicts {

    private StateDicts() {}

    /** The kinds of file {@link #load} recognises. */
    public enum Format {
        PYTORCH, SAFETENSORS
    }

    /**
     * Reads a state dict: a PyTorch zip checkpoint (the dict of tensors, unwrapped from
     * {@code model}/{@code state_dict}/{@code module} when nested) or a safetensors file.
     */
    public static Map<String, Tensor> load(Path path) {
        return switch (detect(path)) {
            case PYTORCH -> TorchCheckpoint.loadStateDict(path);
            case SAFETENSORS -> SafeTensors.load(path);
        };
    }

    /**
     * The format of a file from its first bytes: a zip ({@code PK\x03\x04}) or an old pickle/tar
     * torch file is PYTORCH (old ones are refused with an explanation when loaded); 8 bytes of
     * header length followed by '{' is SAFETENSORS. Anything else is a {@link CheckpointException}.
     */
    public static Format detect(Path path) {
        byte[] head = new byte[512];
        int n;
        try (InputStream in = Files.newInputStream(path)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(path + ": no such file");
        } catch (IOException e) {
            throw new CheckpointException(path + ": cannot read: " + e.getMessage(), e);
        }
        if (n == 0) throw new CheckpointException(path + ": empty file, neither a PyTorch checkpoint nor a safetensors file");
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && (head[2] == 3 || head[2] == 5) && (head[3] == 4 || head[3] == 6))
            return Format.PYTORCH;
        if ((head[0] & 0xFF) == 0x80 || (n > 262 && head[257] == 'u' && head[258] == 's' && head[259] == 't' && head[260] == 'a' && head[261] == 'r'))
            return Format.PYTORCH; // a legacy torch file: TorchCheckpoint explains why it cannot be read
        if (n > 8 && head[8] == '{') return Format.SAFETENSORS;
        throw new CheckpointException(path + ": neither a PyTorch checkpoint (zip) nor a safetensors file (starts with "
                + TorchCheckpoint.hexPrefix(head, n) + ")");
    }

    /**
     * Writes a state dict: safetensors for {@code .safetensors}, a PyTorch checkpoint for
     * {@code .pth}, {@code .pt}, {@code .bin} and {@code .ckpt}. Atomic in both cases.
     */
    public static void save(Path path, Map<String, Tensor> stateDict) {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".safetensors")) {
            SafeTensors.save(path, stateDict);
        } else if (name.endsWith(".pth") || name.endsWith(".pt") || name.endsWith(".bin") || name.endsWith(".ckpt")) {
            TorchCheckpoint.save(path, stateDict);
        } else {
            throw new CheckpointException(path + ": unknown checkpoint extension (use .safetensors, .pth, .pt, .bin or .ckpt)");
        }
    }
}
