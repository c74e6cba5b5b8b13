package dev.eve.core.nn;

import dev.eve.core.tensor.Tensor;

import java.util.Locale;

/** Parameter-free activations, selectable by the names configs use. */
public class Activation extends Module implements TensorModule {

    public enum Kind { GELU, GELU_TANH, QUICK_GELU, RELU, TANH, SIGMOID, IDENTITY }

    private final Kind kind;

    public Activation(Kind kind) {
        this.kind = kind;
    }

    /** From a config name: gelu, gelu_new/gelu_tanh/gelu_pytorch_tanh, quick_gelu, relu, tanh, sigmoid, identity/linear. */
    public static Activation of(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        Kind kind = switch (n) {
            case "gelu" -> Kind.GELU;
            case "gelu_new", "gelu_tanh", "gelu_pytorch_tanh", "gelu_fast" -> Kind.GELU_TANH;
            case "quick_gelu", "quickgelu" -> Kind.QUICK_GELU;
            case "relu" -> Kind.RELU;
            case "tanh" -> Kind.TANH;
            case "sigmoid" -> Kind.SIGMOID;
            case "identity", "linear", "none" -> Kind.IDENTITY;
            default -> throw new IllegalArgumentException("unknown activation '" + name
                    + "' (known: gelu, gelu_tanh, quick_gelu, relu, tanh, sigmoid, identity)");
        };
        return new Activation(kind);
    }

    public Kind kind() {
        return kind;
    }

    @Override
    public Tensor forward(Tensor x) {
        return switch (kind) {
            case GELU -> x.gelu();
            case GELU_TANH -> x.geluTanh();
            case QUICK_GELU -> x.quickGelu();
            case RELU -> x.relu();
            case TANH -> x.tanh();
            case SIGMOID -> x.sigmoid();
            case IDENTITY -> x;
        };
    }

    @Override
    protected String extraRepr() {
        return kind.name().toLowerCase(Locale.ROOT);
    }
}
