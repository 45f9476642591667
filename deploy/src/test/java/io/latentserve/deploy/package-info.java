/**
 * Tests of the deployment files: the Kubernetes manifests (parsed strictly with the fabric8 model,
 * overlays rendered by a small Kustomize subset), the Prometheus scrape configurations and the
 * Grafana dashboard, and the consistency between them. Test code only; the module has no main code.
 */
package io.latentserve.deploy;
