/**
 * The {@code bin/latentserve} command line: starts the services, writes and inspects bundles,
 * fetches data and calls running services. Knows every module; nothing depends on it but benchmarks
 * and integration tests.
 */
package io.latentserve.cli;
