package io.latentserve.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MetricsHttpServerTest {
  private static final int TIMEOUT_MILLIS = 30_000;

  private final AtomicInteger scrapes = new AtomicInteger();
  private MetricsHttpServer server;

  @BeforeEach
  void start() throws IOException {
    server = MetricsHttpServer.start(0, () -> "up " + scrapes.incrementAndGet() + "\n");
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void get_metrics_returnsTheScrapeAsPrometheusText() throws IOException {
    HttpURLConnection http = open("GET", "/metrics");
    try (InputStream in = http.getInputStream()) {
      assertThat(http.getResponseCode()).isEqualTo(200);
      assertThat(http.getContentType()).isEqualTo(MetricsHttpServer.CONTENT_TYPE);
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("up 1\n");
    } finally {
      http.disconnect();
    }
  }

  @Test
  void head_metrics_returnsHeadersOnly() throws IOException {
    HttpURLConnection http = open("HEAD", "/metrics");
    try {
      assertThat(http.getResponseCode()).isEqualTo(200);
      assertThat(http.getContentType()).isEqualTo(MetricsHttpServer.CONTENT_TYPE);
      assertThat(http.getContentLengthLong()).isEqualTo(-1);
    } finally {
      http.disconnect();
    }
  }

  @Test
  void post_metrics_isMethodNotAllowed() throws IOException {
    HttpURLConnection http = open("POST", "/metrics");
    try {
      assertThat(http.getResponseCode()).isEqualTo(405);
      assertThat(http.getHeaderField("Allow")).isEqualTo("GET, HEAD");
      assertThat(scrapes).hasValue(0);
    } finally {
      http.disconnect();
    }
  }

  @Test
  void get_otherPath_isNotFound() throws IOException {
    HttpURLConnection http = open("GET", "/metrics/extra");
    try {
      assertThat(http.getResponseCode()).isEqualTo(404);
      assertThat(scrapes).hasValue(0);
    } finally {
      http.disconnect();
    }
  }

  @Test
  void close_thenConnect_isRefused() throws IOException {
    int port = server.port();
    server.close();
    server = null;

    HttpURLConnection http =
        (HttpURLConnection)
            URI.create("http://127.0.0.1:" + port + "/metrics").toURL().openConnection();
    http.setConnectTimeout(TIMEOUT_MILLIS);
    try {
      assertThatThrownBy(http::getResponseCode).isInstanceOf(IOException.class);
    } finally {
      http.disconnect();
    }
  }

  // HttpURLConnection rather than java.net.http: the latter spends a second initializing TLS.
  private HttpURLConnection open(String method, String path) throws IOException {
    HttpURLConnection http =
        (HttpURLConnection)
            URI.create("http://127.0.0.1:" + server.port() + path).toURL().openConnection();
    http.setRequestMethod(method);
    http.setConnectTimeout(TIMEOUT_MILLIS);
    http.setReadTimeout(TIMEOUT_MILLIS);
    return http;
  }
}
