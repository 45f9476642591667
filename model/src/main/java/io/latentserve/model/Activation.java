package io.latentserve.model;

/** Nonlinearity of the deterministic hidden layers. */
public enum Activation {
  TANH,
  RELU
}
