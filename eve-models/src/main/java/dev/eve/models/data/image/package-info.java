/**
 * EVE's image pipeline, as the original Python code does it with Pillow, torchvision and OpenCV.
 *
 * <ul>
 *   <li>{@link dev.eve.models.data.image.ImageDecoder}: a JPEG (TwelveMonkeys) or PNG (JDK ImageIO)
 *       file to an {@link dev.eve.models.data.image.RgbImage}, exactly what Pillow's
 *       {@code Image.open(path).convert('RGB')} gives (alpha dropped, grey replicated, EXIF orientation
 *       not applied); every failure is one {@link dev.eve.models.data.image.ImageDecodeException}.</li>
 *   <li>{@link dev.eve.models.data.image.PilResize}: Pillow's {@code Image.resize} (bicubic, bilinear,
 *       ...) bit for bit.</li>
 *   <li>{@link dev.eve.models.data.image.ImageTensors}: torchvision's {@code ToTensor} +
 *       {@code Normalize(0.5, 0.5)} to float32 CHW tensors, bit for bit, and batches.</li>
 *   <li>{@link dev.eve.models.data.image.ImageTransforms}: the original transforms: the test
 *       transform and the train augmentations {@code none}, {@code color}, {@code rand} and VQA's,
 *       built from {@link dev.eve.models.data.image.RandomResizedCrop},
 *       {@link dev.eve.models.data.image.HorizontalFlip}, {@link dev.eve.models.data.image.ColorJitter}
 *       and {@link dev.eve.models.data.image.RandomAugment}; all randomness comes from a seeded
 *       {@link dev.eve.core.tensor.Generator}.</li>
 *   <li>{@link dev.eve.models.data.image.ImageLoader}: decodes and transforms images on its own small
 *       thread pool, a bounded number of batches ahead, in order; a bad image is skipped, never fatal.</li>
 * </ul>
 */
package dev.eve.models.data.image;
