/**
 * Image data sets for training and evaluation: IDX files, the catalogue of known data sets under a
 * data directory, seeded dynamic binarization and the fetcher that downloads and verifies them.
 * Depends on the JDK, SLF4J, jackson-core and {@code io.latentserve.model}; never on gRPC, ONNX
 * Runtime or ND4J.
 */
package io.latentserve.datasets;
