package io.latentserve.server;

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
    Response response = request("GET", "/metrics");

    assertThat(response.code()).isEqualTo(200);
    assertThat(response.contentType()).isEqualTo(MetricsHttpServer.CONTENT_TYPE);
    assertThat(response.body()).isEqualTo("up 1\n");
  }

  @Test
  void head_metrics_returnsHeadersOnly() throws IOException {
    Response response = request("HEAD", "/metrics");

    assertThat(response.code()).isEqualTo(200);
    assertThat(response.contentType()).isEqualTo(MetricsHttpServer.CONTENT_TYPE);
    assertThat(response.contentLength()).isEqualTo(-1);
  }

  @Test
  void post_metrics_isMethodNotAllowed() throws IOException {
    Response response = request("POST", "/metrics");

    assertThat(response.code()).isEqualTo(405);
    assertThat(response.allow()).isEqualTo("GET, HEAD");
    assertThat(scrapes).hasValue(0);
  }

  @Test
  void get_otherPath_isNotFound() throws IOException {
    assertThat(request("GET", "/metrics/extra").code()).isEqualTo(404);
    assertThat(scrapes).hasValue(0);
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

  private record Response(
      int code, String contentType, long contentLength, String allow, String body) {}

  // HttpURLConnection rather than java.net.http: the latter spends a second initializing TLS.
  private Response request(String method, String path) throws IOException {
    HttpURLConnection http =
        (HttpURLConnection)
            URI.create("http://127.0.0.1:" + server.port() + path).toURL().openConnection();
    http.setRequestMethod(method);
    http.setConnectTimeout(TIMEOUT_MILLIS);
    http.setReadTimeout(TIMEOUT_MILLIS);
    try {
      int code = http.getResponseCode();
      String body = "";
      if (code == 200 && !method.equals("HEAD")) {
        try (InputStream in = http.getInputStream()) {
          body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
      }
      return new Response(
          code,
          http.getContentType(),
          http.getContentLengthLong(),
          http.getHeaderField("Allow"),
          body);
    } finally {
      http.disconnect();
    }
  }
}
