/**
 * Model bundles: the manifest, reading and verifying a bundle, atomic publishing and the filesystem
 * model repository {@code <root>/<model>/<version>/}. Depends on {@link io.latentserve.model} and
 * Jackson only.
 */
package io.latentserve.bundle;
