/** Benchmarks that print their figures; the results and the commands live in bench/RESULTS.md. */
package io.latentserve.bench;
