/**
 * The CUDA backend of EVE for Java: {@link dev.eve.cuda.CudaBackend} implements {@code Backend} on one
 * GPU and is found through {@link dev.eve.cuda.CudaBackendProvider} (a {@code ServiceLoader} service), so
 * adding this module to the class path is all it takes to use {@code Device.cuda(n)}.
 *
 * <ul>
 *   <li>{@code runtime}: loading the JavaCPP CUDA presets with a one-line diagnosis when no driver, GPU or
 *       library is found; devices, streams, events, the caching allocator, pinned buffers, copies, and the
 *       kernel launch API ({@code CudaModule}, {@code CudaFunction}, {@code KernelArgs}).</li>
 *   <li>{@code nvrtc}: compiles the {@code native/*.cu} resources for the GPU present, with a disk cache.</li>
 *   <li>{@code blas}: cuBLAS GEMMs (F32, opt-in TF32, BF16/F16 inputs with F32 accumulation).</li>
 *   <li>{@code kernels}: launchers of the fused kernels (softmax, layer norm, attention, masked loss,
 *       AdamW, activations).</li>
 * </ul>
 *
 * <p>{@link dev.eve.cuda.Autocast} makes matmul and attention run in BF16 with F32 master weights.
 */
package dev.eve.cuda;
