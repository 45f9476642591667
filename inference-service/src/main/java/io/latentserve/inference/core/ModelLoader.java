package io.latentserve.inference.core;

import io.latentserve.bundle.Bundle;

/** Turns a verified bundle into a ready-to-serve model (sessions created, devices chosen). */
@FunctionalInterface
public interface ModelLoader {
  /**
   * Loads one bundle. The returned model is fully usable; the caller owns and closes it.
   *
   * @throws RuntimeException if the bundle cannot be served; nothing is left open then
   */
  VaeModel load(Bundle bundle);
}
