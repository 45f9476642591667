/**
 * Model bundles: the manifest and its JSON form, reading and verifying a bundle, atomic publishing,
 * the filesystem model repository {@code <root>/<model>/<version>/} and change detection for hot
 * reload. Depends on {@link io.latentserve.model}, Jackson and SLF4J only.
 */
package io.latentserve.bundle;
