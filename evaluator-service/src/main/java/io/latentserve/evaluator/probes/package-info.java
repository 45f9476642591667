/**
 * The linear-probe port implemented with Tribuo's logistic regression; depends on the core and
 * Tribuo only.
 */
package io.latentserve.evaluator.probes;
