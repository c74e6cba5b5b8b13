package dev.eve.models.eve;

import java.util.Locale;
import java.util.Map;

/** The tasks whose heads a checkpoint can carry: pre-training and the fine-tuning tasks. */
public enum Task {
    PRETRAIN, RETRIEVAL, VQA, NLVR;

    public static Task parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "retrieval", "itr", "itr_coco", "itr_flickr" -> RETRIEVAL;
            case "vqa" -> VQA;
            case "nlvr", "nlvr2" -> NLVR;
            case "pretrain", "pretraining" -> PRETRAIN;
            default -> throw new IllegalArgumentException("unknown task '" + s + "' (pretrain, retrieval, vqa or nlvr)");
        };
    }

    /** Guesses the task from the head parameters present in a state dict, or null. */
    public static Task detect(Map<String, ?> stateDict) {
        if (stateDict.containsKey("mlm_head.bias") || stateDict.containsKey("mim_decoder.mask_token")) return PRETRAIN;
        if (stateDict.containsKey("itm_head.weight") || stateDict.containsKey("itc_temp")) return RETRIEVAL;
        if (stateDict.containsKey("nlvr2_output.weight") || stateDict.containsKey("attn1.in_proj_weight")) return NLVR;
        if (stateDict.containsKey("output.3.weight")) {
            Object w = stateDict.get("output.0.weight");
            Object w3 = stateDict.get("output.3.weight");
            if (w instanceof dev.eve.core.tensor.Tensor first && w3 instanceof dev.eve.core.tensor.Tensor last
                    && first.size(1) == first.size(0) && last.size(0) == 2) return NLVR;   // Linear(2H, 2H) ... Linear(2H, 2)
            return VQA;
        }
        return null;
    }

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
