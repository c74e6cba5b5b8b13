/** cuBLAS GEMMs and the mapping of {@code Backend.matmul}'s strided operands onto them ({@link dev.eve.cuda.blas.GemmPlan}). */
package dev.eve.cuda.blas;
