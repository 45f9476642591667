package io.latentserve.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Serves {@code GET /metrics} (and {@code HEAD}) in the Prometheus text format on its own port, and
 * {@code GET /health}: 200 {@code SERVING} or 503 {@code NOT_SERVING}, the server's grpc.health.v1
 * status for HTTP probes (the kubelet's gRPC probe cannot speak TLS); other paths get 404, other
 * methods 405. One daemon thread answers.
 */
public final class MetricsHttpServer implements AutoCloseable {
  /** The Prometheus text exposition format, version 0.0.4. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor;

  private MetricsHttpServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Starts serving on every interface, health always SERVING: {@link #start(String, int, Supplier,
   * BooleanSupplier)}.
   */
  public static MetricsHttpServer start(int port, Supplier<String> scrape) throws IOException {
    return start(ServerTransports.EVERY_INTERFACE, port, scrape, () -> true);
  }

  /**
   * Starts serving.
   *
   * @param host the address to bind: empty for every interface, else an IP address or a host name
   * @param port the port; 0 picks a free one
   * @param scrape produces the exposition text for each request
   * @param serving whether {@code /health} answers SERVING
   * @throws IOException if the port cannot be bound or the host does not resolve
   */
  public static MetricsHttpServer start(
      String host, int port, Supplier<String> scrape, BooleanSupplier serving) throws IOException {
    InetSocketAddress address =
        host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    if (address.isUnresolved()) {
      throw new IOException("metrics host \"" + host + "\" does not resolve to an address");
    }
    HttpServer server = HttpServer.create(address, 0);
    ExecutorService executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "metrics-http");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/metrics", exchange -> handle(exchange, "/metrics", scrape, 200));
    server.createContext(
        "/health",
        exchange ->
            handle(
                exchange,
                "/health",
                () -> serving.getAsBoolean() ? "SERVING\n" : "NOT_SERVING\n",
                serving.getAsBoolean() ? 200 : 503));
    server.start();
    return new MetricsHttpServer(server, executor);
  }

  private static void handle(HttpExchange exchange, String path, Supplier<String> body, int status)
      throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      if (!exchange.getRequestURI().getPath().equals(path)) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      byte[] bytes = body.get().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
      if (method.equals("HEAD")) {
        exchange.sendResponseHeaders(status, -1);
        return;
      }
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  /** The bound port. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Stops serving at once and ends its thread. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
