/** Run-time compilation of the {@code native/*.cu} kernels with NVRTC and their on-disk cubin cache. */
package dev.eve.cuda.nvrtc;
