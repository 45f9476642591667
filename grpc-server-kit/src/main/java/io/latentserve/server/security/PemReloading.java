package io.latentserve.server.security;

import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.grpc.util.AdvancedTlsX509TrustManager.Verification;
import io.grpc.util.CertificateUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Key and trust managers (grpc-java's {@code AdvancedTlsX509KeyManager} and {@code
 * AdvancedTlsX509TrustManager}) over PEM files that are read again every period, so that new
 * handshakes use a rotated certificate (a Kubernetes Secret updated by cert-manager) without a
 * restart.
 *
 * <p>The managers' own file reloading enforces a period of at least one minute and takes a
 * certificate and a key that do not match yet (a rotation caught half-way); this one compares the
 * files' bytes, installs a certificate only with the key that signs for it, and keeps the previous
 * credentials (with a warning) until the files agree. Owns one daemon thread; {@link #close()}
 * stops it.
 */
final class PemReloading implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PemReloading.class);

  private final ScheduledExecutorService executor;

  PemReloading(String threadName) {
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, threadName);
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * A key manager holding {@code cert} and {@code key} now and re-reading them every {@code period}
   * (never when null).
   *
   * @throws IllegalArgumentException naming the files when they cannot be read, parsed, or do not
   *     belong together
   */
  AdvancedTlsX509KeyManager identity(Path cert, Path key, Duration period) {
    AdvancedTlsX509KeyManager manager = new AdvancedTlsX509KeyManager();
    byte[][] seen = {new byte[0]};
    try {
      seen[0] = loadIdentity(manager, cert, key, seen[0]);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "cannot use certificate "
              + cert
              + " with key "
              + key
              + " (PEM certificate chain and its PKCS#8 private key expected): "
              + e.getMessage(),
          e);
    }
    if (period != null) {
      every(
          period,
          () -> {
            try {
              seen[0] = loadIdentity(manager, cert, key, seen[0]);
            } catch (IOException | GeneralSecurityException e) {
              log.warn(
                  "certificate {} with key {} changed but cannot be used yet; handshakes keep the"
                      + " previous one: {}",
                  cert,
                  key,
                  e.getMessage());
            }
          });
    }
    return manager;
  }

  /**
   * A trust manager trusting the certificates of the PEM bundle {@code ca}, re-read every {@code
   * period} (never when null), or the system's trusted CAs when {@code ca} is null.
   *
   * @param verifyHost whether the peer's certificate must name the host dialled (clients: yes;
   *     servers checking client certificates: no)
   */
  AdvancedTlsX509TrustManager trust(Path ca, boolean verifyHost, Duration period) {
    AdvancedTlsX509TrustManager manager;
    byte[][] seen = {new byte[0]};
    try {
      manager =
          AdvancedTlsX509TrustManager.newBuilder()
              .setVerification(
                  verifyHost
                      ? Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION
                      : Verification.CERTIFICATE_ONLY_VERIFICATION)
              .build();
      if (ca == null) {
        manager.useSystemDefaultTrustCerts();
        return manager;
      }
      seen[0] = loadTrust(manager, ca, seen[0]);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "cannot use trust bundle " + ca + " (PEM certificates expected): " + e.getMessage(), e);
    }
    if (period != null) {
      AdvancedTlsX509TrustManager m = manager;
      every(
          period,
          () -> {
            try {
              seen[0] = loadTrust(m, ca, seen[0]);
            } catch (IOException | GeneralSecurityException e) {
              log.warn(
                  "trust bundle {} changed but cannot be used; keeping the previous one: {}",
                  ca,
                  e.getMessage());
            }
          });
    }
    return manager;
  }

  /** Installs the files' identity if their bytes differ from {@code seen}; returns their bytes. */
  private static byte[] loadIdentity(
      AdvancedTlsX509KeyManager manager, Path cert, Path key, byte[] seen)
      throws IOException, GeneralSecurityException {
    byte[] certBytes = Files.readAllBytes(cert);
    byte[] keyBytes = Files.readAllBytes(key);
    byte[] both = concat(certBytes, keyBytes);
    if (Arrays.equals(both, seen)) {
      return seen;
    }
    X509Certificate[] chain =
        CertificateUtils.getX509Certificates(new ByteArrayInputStream(certBytes));
    if (chain.length == 0) {
      throw new GeneralSecurityException("no certificate in " + cert);
    }
    PrivateKey privateKey = CertificateUtils.getPrivateKey(new ByteArrayInputStream(keyBytes));
    checkPair(chain[0], privateKey);
    manager.updateIdentityCredentials(chain, privateKey);
    if (seen.length > 0) {
      log.info(
          "certificate {} changed: new handshakes present {}",
          cert,
          chain[0].getSubjectX500Principal().getName());
    }
    return both;
  }

  private static byte[] loadTrust(AdvancedTlsX509TrustManager manager, Path ca, byte[] seen)
      throws IOException, GeneralSecurityException {
    byte[] bytes = Files.readAllBytes(ca);
    if (Arrays.equals(bytes, seen)) {
      return seen;
    }
    X509Certificate[] certificates =
        CertificateUtils.getX509Certificates(new ByteArrayInputStream(bytes));
    if (certificates.length == 0) {
      throw new GeneralSecurityException("no certificate in " + ca);
    }
    manager.updateTrustCredentials(certificates);
    if (seen.length > 0) {
      log.info("trust bundle {} changed: {} certificates trusted", ca, certificates.length);
    }
    return bytes;
  }

  /** Fails unless {@code key} signs what {@code certificate}'s public key verifies. */
  private static void checkPair(X509Certificate certificate, PrivateKey key)
      throws GeneralSecurityException {
    String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    byte[] probe = "latentserve key check".getBytes(StandardCharsets.UTF_8);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(probe);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    verifier.initVerify(certificate.getPublicKey());
    verifier.update(probe);
    if (!verifier.verify(signature)) {
      throw new GeneralSecurityException("the private key does not belong to the certificate");
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length + 1);
    System.arraycopy(b, 0, out, a.length + 1, b.length);
    return out;
  }

  private void every(Duration period, Runnable task) {
    executor.scheduleWithFixedDelay(
        task, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
