package dev.eve.models.tasks;

import java.util.Locale;

/**
 * The fine-tuning recipes of the original README, used for every setting the command line does not
 * give: COCO (color, bs 256, k_test 128, lr_mult 10, lr 3e-5 Base / 5e-5 Large), Flickr (color,
 * bs 128, lr 1e-5, k_test 128, lr_mult 5), VQA (bs 128, lr_mult 10, lr 3e-5), NLVR2 (rand, bs 128,
 * lr 3.5e-5, lr_mult 15, biattn).
 */
public record Recipe(String task, String augmentation, int batch, double lrBase, double lrLarge, double lrMult, int kTest, boolean biattn) {

    public static Recipe of(String task) {
        return switch (task.toLowerCase(Locale.ROOT)) {
            case "itr_coco" -> new Recipe("itr_coco", "color", 256, 3e-5, 5e-5, 10, 128, false);
            case "itr_flickr" -> new Recipe("itr_flickr", "color", 128, 1e-5, 1e-5, 5, 128, false);
            case "vqa" -> new Recipe("vqa", null, 128, 3e-5, 3e-5, 10, 0, false);
            case "nlvr" -> new Recipe("nlvr", "rand", 128, 3.5e-5, 3.5e-5, 15, 0, true);
            default -> throw new IllegalArgumentException("unknown task '" + task + "' (itr_coco, itr_flickr, vqa, nlvr, pretrain)");
        };
    }

    /** The recipe's learning rate for a model width (Large is 1024 wide). */
    public double lr(int hiddenSize) {
        return hiddenSize >= 1024 ? lrLarge : lrBase;
    }
}
