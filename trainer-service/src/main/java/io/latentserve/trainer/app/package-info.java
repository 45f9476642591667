/**
 * The trainer process: its configuration ({@link io.latentserve.trainer.app.TrainerConfig}), the
 * server lifecycle with health, reflection, Prometheus metrics and graceful shutdown ({@link
 * io.latentserve.trainer.app.TrainerServer}) and the entry point ({@link
 * io.latentserve.trainer.app.TrainerMain}). The only package that knows every other one.
 */
package io.latentserve.trainer.app;
