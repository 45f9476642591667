/**
 * The discrete-VAE family's math in plain Java (Rolfe 2017; Vahdat, Macready, Bian, Khoshaman and
 * Andriyash 2018; Vahdat, Andriyash and Macready 2018): the smoothing relaxations of binary latents
 * with their inverse CDFs and implicit-reparameterization gradients, and the persistent
 * contrastive-divergence chains of the RBM prior. The reference the SameDiff graph is tested
 * against. Depends on the JDK and {@code io.latentserve.model} only.
 */
package io.latentserve.trainer.core.dvae;
