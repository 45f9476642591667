/**
 * What every latentserve service process shares: typed settings from environment variables ({@link
 * io.latentserve.service.EnvironmentSettings}) and their checks ({@link
 * io.latentserve.service.SettingChecks}), the gRPC server lifecycle with health, reflection,
 * metrics and graceful shutdown ({@link io.latentserve.service.GrpcServerLifecycle}), its network
 * transport ({@link io.latentserve.service.ServerTransports}) and the Prometheus endpoint ({@link
 * io.latentserve.service.MetricsHttpServer}). Depends on {@code io.grpc} (Netty only in {@code
 * ServerTransports}), Micrometer and SLF4J; knows no service, no generated proto and no model code.
 */
package io.latentserve.service;
