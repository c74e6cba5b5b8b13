/** Tensors, autograd, neural-network modules, optimizers, checkpoint I/O and the CPU backend. */
package dev.eve.core;
