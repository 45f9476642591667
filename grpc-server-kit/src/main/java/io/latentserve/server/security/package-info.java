/**
 * Who may reach a latentserve service and what they may call: TLS and mTLS credentials read from
 * PEM files and re-read when the files change ({@link io.latentserve.server.security.ServerTls},
 * {@link io.latentserve.server.security.ChannelSecurity} for clients), bearer tokens with roles
 * ({@link io.latentserve.server.security.BearerTokens}) checked by one interceptor ({@link
 * io.latentserve.server.security.BearerTokenInterceptor}) against the one table of the role each
 * RPC needs ({@link io.latentserve.server.security.MethodRoles}), and the caller's identity in the
 * gRPC {@code Context} ({@link io.latentserve.server.security.Caller}). Depends on {@code io.grpc}
 * (grpc-util's reloading key and trust managers) and SLF4J; names RPCs only as strings in {@code
 * MethodRoles}, imports no generated proto.
 */
package io.latentserve.server.security;
