/**
 * The CUDA backend of EVE for Java. Its implementation arrives with the CUDA issue; until then the
 * module exists so that the build, the dependency graph and the launcher have their final shape.
 */
package dev.eve.cuda;
