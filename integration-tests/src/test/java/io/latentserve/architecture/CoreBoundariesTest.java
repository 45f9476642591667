package io.latentserve.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * The services' {@code core} packages hold records, ports and the math; the technology lives in the
 * adapters around them (STYLE.md, "Layout shows the architecture"). One rule per technology.
 */
class CoreBoundariesTest {
  /** The main classes of every module on this module's test classpath. */
  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(new ImportOption.DoNotIncludeTests())
          .importPackages("io.latentserve");

  private static final String CORE = "io.latentserve.*.core..";

  static final ArchRule coreImportsNoGrpc =
      noClasses()
          .that()
          .resideInAPackage(CORE)
          .should()
          .dependOnClassesThat()
          .resideInAPackage("io.grpc..")
          .because("gRPC is the inbound adapter's business (package grpc)");

  static final ArchRule coreImportsNoGeneratedProtos =
      noClasses()
          .that()
          .resideInAPackage(CORE)
          .should()
          .dependOnClassesThat()
          // inference..: KServe's grpc_predict_v2.proto keeps its package, so its classes live
          // there
          .resideInAnyPackage("io.latentserve.proto..", "inference..")
          .because("the wire messages are mapped to core values in the grpc and client adapters");

  static final ArchRule coreImportsNoOnnxRuntime =
      noClasses()
          .that()
          .resideInAPackage(CORE)
          .should()
          .dependOnClassesThat()
          .resideInAPackage("ai.onnxruntime..")
          .because("ONNX Runtime sits behind the GraphRunner and VaeModel ports (package onnx)");

  static final ArchRule coreImportsNoNd4j =
      noClasses()
          .that()
          .resideInAPackage(CORE)
          .should()
          .dependOnClassesThat()
          .resideInAPackage("org.nd4j..")
          .because("SameDiff sits behind the TrainingBackend port (package samediff)");

  @Test
  void core_importsNoGrpc() {
    coreImportsNoGrpc.check(CLASSES);
  }

  @Test
  void core_importsNoGeneratedProtos() {
    coreImportsNoGeneratedProtos.check(CLASSES);
  }

  @Test
  void core_importsNoOnnxRuntime() {
    coreImportsNoOnnxRuntime.check(CLASSES);
  }

  @Test
  void core_importsNoNd4j() {
    coreImportsNoNd4j.check(CLASSES);
  }
}
