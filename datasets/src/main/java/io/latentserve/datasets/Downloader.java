package io.latentserve.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Streams one URL into a new file, hashing it on the way and reporting progress. */
final class Downloader {
  private static final Logger log = LoggerFactory.getLogger(Downloader.class);
  private static final long PROGRESS_STEP = 1 << 20;

  private final FetchConfig config;
  private final String dataset;
  private final FetchListener listener;
  private HttpClient client;

  Downloader(FetchConfig config, String dataset, FetchListener listener) {
    this.config = config;
    this.dataset = dataset;
    this.listener = listener;
  }

  private HttpClient client() {
    if (client == null) {
      client =
          HttpClient.newBuilder()
              .connectTimeout(config.connectTimeout())
              .followRedirects(HttpClient.Redirect.NORMAL)
              .build();
    }
    return client;
  }

  /**
   * Downloads {@code url} into {@code target}, which must not exist.
   *
   * @param file the file name reported in events
   * @param algorithm the digest computed over the bytes, e.g. "MD5"
   * @return that digest
   * @throws IOException whose message starts with the URL and says what failed
   */
  byte[] download(URI url, Path target, String file, String algorithm) throws IOException {
    HttpRequest request =
        HttpRequest.newBuilder(url)
            .timeout(config.requestTimeout())
            .header("User-Agent", "latentserve-datasets")
            .GET()
            .build();
    log.info("{}: downloading {}", dataset, url);
    listener.onEvent(
        new FetchEvent(
            dataset, FetchEvent.Kind.STARTED, file, url.toString(), 0, -1, "GET " + url));
    HttpResponse<InputStream> response = send(url, request);
    try (InputStream body = response.body()) {
      if (response.statusCode() != 200) {
        throw new IOException(url + ": HTTP " + response.statusCode() + ", expected 200");
      }
      long total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
      if (total > config.maxDownloadBytes()) {
        throw new IOException(
            url + ": " + total + " bytes, more than the limit of " + config.maxDownloadBytes());
      }
      return copy(url, body, target, file, total, Digests.create(algorithm));
    }
  }

  private HttpResponse<InputStream> send(URI url, HttpRequest request) throws IOException {
    try {
      return client().send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (HttpConnectTimeoutException e) {
      throw new IOException(
          url + ": unreachable, no connection within " + config.connectTimeout(), e);
    } catch (HttpTimeoutException e) {
      throw new IOException(url + ": no response within " + config.requestTimeout(), e);
    } catch (ConnectException e) {
      throw new IOException(url + ": unreachable (" + describe(e) + ")", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException interrupted =
          new InterruptedIOException(url + ": interrupted while connecting");
      interrupted.initCause(e);
      throw interrupted;
    } catch (IOException e) {
      throw new IOException(url + ": request failed (" + describe(e) + ")", e);
    }
  }

  private byte[] copy(
      URI url, InputStream body, Path target, String file, long total, MessageDigest digest)
      throws IOException {
    long start = System.nanoTime();
    long bytes = 0;
    long nextEvent = PROGRESS_STEP;
    int nextLogQuarter = 1;
    byte[] buffer = new byte[1 << 16];
    try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW)) {
      for (int r; (r = body.read(buffer)) > 0; ) {
        digest.update(buffer, 0, r);
        out.write(buffer, 0, r);
        bytes += r;
        if (bytes > config.maxDownloadBytes()) {
          throw new IOException(
              url + ": more than the limit of " + config.maxDownloadBytes() + " bytes");
        }
        if (bytes >= nextEvent) {
          nextEvent = bytes + PROGRESS_STEP;
          listener.onEvent(
              new FetchEvent(
                  dataset, FetchEvent.Kind.PROGRESS, file, url.toString(), bytes, total, ""));
        }
        if (total > 0 && bytes * 4 >= total * nextLogQuarter && nextLogQuarter < 4) {
          log.info("{}: {} {}% ({} of {} bytes)", dataset, file, 25 * nextLogQuarter, bytes, total);
          nextLogQuarter = (int) (bytes * 4 / total) + 1;
        }
      }
    } catch (IOException e) {
      if (e.getMessage() != null && e.getMessage().startsWith(url.toString())) {
        throw e;
      }
      throw new IOException(
          url + ": download broke off after " + bytes + " bytes (" + describe(e) + ")", e);
    }
    if (total >= 0 && bytes != total) {
      throw new IOException(url + ": got " + bytes + " bytes, the server announced " + total);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    log.info(
        "{}: downloaded {} ({} bytes in {} s)",
        dataset,
        url,
        bytes,
        String.format("%.1f", seconds));
    listener.onEvent(
        new FetchEvent(
            dataset,
            FetchEvent.Kind.DOWNLOADED,
            file,
            url.toString(),
            bytes,
            total,
            "downloaded " + bytes + " bytes"));
    return digest.digest();
  }

  private static String describe(Exception e) {
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }
}
