/**
 * The CUDA runtime layer: {@link dev.eve.cuda.runtime.CudaRuntime} (loading and probing),
 * {@link dev.eve.cuda.runtime.CudaDevice} (context, default stream, allocator), streams and events,
 * {@link dev.eve.cuda.runtime.CachingAllocator}, {@link dev.eve.cuda.runtime.PinnedHostBuffer},
 * {@link dev.eve.cuda.runtime.Memcpy}, and the kernel launch API: {@link dev.eve.cuda.runtime.CudaModule},
 * {@link dev.eve.cuda.runtime.CudaFunction}, {@link dev.eve.cuda.runtime.KernelArgs}.
 */
package dev.eve.cuda.runtime;
