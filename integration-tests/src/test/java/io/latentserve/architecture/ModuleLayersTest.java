package io.latentserve.architecture;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * Module arrows point one way: model &lt;- model-bundle &lt;- onnx-export; proto-mapping and
 * grpc-server-kit are libraries the services use; the services depend on libraries, never the
 * reverse; the CLI sits on top. Each module is named by the packages it holds.
 */
class ModuleLayersTest {
  /** The main classes of every module on this module's test classpath. */
  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(new ImportOption.DoNotIncludeTests())
          .importPackages("io.latentserve");

  static final ArchRule modulesDependDownwardOnly =
      layeredArchitecture()
          .consideringOnlyDependenciesInLayers()
          .layer("model")
          .definedBy("io.latentserve.model")
          .layer("model-bundle")
          .definedBy("io.latentserve.bundle")
          .layer("onnx-export")
          .definedBy("io.latentserve.bundle.onnx..")
          .layer("datasets")
          .definedBy("io.latentserve.datasets..")
          .layer("proto")
          .definedBy("io.latentserve.proto..")
          .layer("proto-mapping")
          .definedBy("io.latentserve.wire..")
          .layer("grpc-server-kit")
          .definedBy("io.latentserve.server..")
          .layer("services")
          .definedBy(
              "io.latentserve.inference..",
              "io.latentserve.trainer..",
              "io.latentserve.evaluator..")
          .layer("cli")
          .definedBy("io.latentserve.cli..")
          .whereLayer("cli")
          .mayNotBeAccessedByAnyLayer()
          .whereLayer("services")
          .mayOnlyBeAccessedByLayers("cli")
          .whereLayer("grpc-server-kit")
          .mayOnlyBeAccessedByLayers("services", "cli")
          .whereLayer("proto-mapping")
          .mayOnlyBeAccessedByLayers("services", "cli")
          .whereLayer("onnx-export")
          .mayOnlyBeAccessedByLayers("services", "cli")
          .whereLayer("datasets")
          .mayOnlyBeAccessedByLayers("services", "cli")
          .whereLayer("proto")
          .mayOnlyBeAccessedByLayers("proto-mapping", "services", "cli")
          .whereLayer("model-bundle")
          .mayOnlyBeAccessedByLayers("onnx-export", "proto-mapping", "services", "cli")
          .whereLayer("model")
          .mayOnlyBeAccessedByLayers(
              "model-bundle", "onnx-export", "datasets", "proto-mapping", "services", "cli");

  @Test
  void modules_dependDownwardOnly() {
    modulesDependDownwardOnly.check(CLASSES);
  }
}
