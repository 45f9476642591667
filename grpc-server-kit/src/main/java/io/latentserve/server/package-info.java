/**
 * What every latentserve service process shares: typed settings from environment variables ({@link
 * io.latentserve.server.EnvironmentSettings}) and their checks ({@link
 * io.latentserve.server.SettingChecks}), the gRPC server lifecycle with health, reflection, metrics
 * and graceful shutdown ({@link io.latentserve.server.GrpcServerLifecycle}), its network transport
 * ({@link io.latentserve.server.ServerTransports}) and the Prometheus endpoint ({@link
 * io.latentserve.server.MetricsHttpServer}). Depends on {@code io.grpc} (Netty only in {@code
 * ServerTransports}), Micrometer and SLF4J; knows no service, no generated proto and no model code.
 */
package io.latentserve.server;
