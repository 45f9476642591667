package io.latentserve.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The container images as Maven configures them: cli's POM rendered by {@code help:effective-pom}
 * (with or without the {@code images} profile), so that properties, the profile and the merge of
 * the {@code gpu} execution into the plugin's configuration are resolved by Maven itself, not
 * re-implemented here. Rendering needs no Docker, no registry and no built artifacts.
 */
final class ImageConfiguration {
  static final String HELP_PLUGIN = "org.apache.maven.plugins:maven-help-plugin:3.5.1";

  /** One image: what Jib writes into its config and layers. */
  record Image(
      String from,
      String to,
      List<String> entrypoint,
      String user,
      String workingDirectory,
      Set<Integer> ports,
      Map<String, String> environment,
      Map<Path, String> extraDirectories,
      Map<String, String> permissions) {}

  private final Element project;

  private ImageConfiguration(Element project) {
    this.project = project;
  }

  /**
   * Runs {@code mvn help:effective-pom} on the cli module of the source tree at {@code sourceRoot}.
   *
   * @param work a folder for the rendered POM and Maven's output
   */
  static ImageConfiguration render(Path sourceRoot, Path work, boolean imagesProfile)
      throws IOException {
    String name = imagesProfile ? "images" : "default";
    Path pom = work.resolve("effective-pom-" + name + ".xml");
    Path log = work.resolve("effective-pom-" + name + ".log");
    List<String> command = new ArrayList<>();
    command.add(maven());
    command.addAll(List.of("-B", "-ntp", "-f", sourceRoot.resolve("pom.xml").toString()));
    command.addAll(List.of("-pl", "cli"));
    if (imagesProfile) {
      command.add("-Pimages");
    }
    command.add(HELP_PLUGIN + ":effective-pom");
    command.add("-Doutput=" + pom);
    int exit = HostTool.run(new ProcessBuilder(command).directory(sourceRoot.toFile()), log, 300);
    if (exit != 0 || !Files.exists(pom)) {
      throw new IllegalStateException(
          "mvn help:effective-pom failed (" + exit + "):\n" + Files.readString(log));
    }
    try {
      var factory = DocumentBuilderFactory.newInstance();
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      return new ImageConfiguration(
          factory.newDocumentBuilder().parse(pom.toFile()).getDocumentElement());
    } catch (org.xml.sax.SAXException | javax.xml.parsers.ParserConfigurationException e) {
      throw new IllegalStateException("cannot parse " + pom, e);
    }
  }

  /** Maven's launcher: the Maven that runs this build where known, else {@code mvn} on the PATH. */
  private static String maven() {
    String home = System.getProperty("maven.home");
    if (home != null && Files.isExecutable(Path.of(home, "bin", "mvn"))) {
      return Path.of(home, "bin", "mvn").toString();
    }
    return HostTool.require("mvn", "install Maven").toString();
  }

  /** Whether the build (not only pluginManagement) runs the plugin {@code artifactId}. */
  boolean runsPlugin(String artifactId) {
    return plugin(artifactId).isPresent();
  }

  /** The CPU image: the plugin-level configuration ({@code jib:build}). */
  Image cpu() {
    return image(child(jib(), "configuration").orElseThrow());
  }

  /** The GPU image: execution {@code gpu} ({@code jib:build@gpu}), merged by Maven. */
  Image gpu() {
    return image(execution(jib(), "gpu").orElseThrow());
  }

  /** The {@code <arguments>} of an execution of a plugin, in order. */
  List<String> executionArguments(String pluginArtifactId, String executionId) {
    Element plugin =
        plugin(pluginArtifactId)
            .orElseThrow(
                () -> new IllegalStateException(pluginArtifactId + " is not in the build"));
    Element configuration =
        execution(plugin, executionId)
            .orElseThrow(() -> new IllegalStateException("no execution " + executionId));
    return texts(child(configuration, "arguments"), "argument");
  }

  private Element jib() {
    return plugin("jib-maven-plugin")
        .orElseThrow(() -> new IllegalStateException("jib-maven-plugin is not in the build"));
  }

  private Optional<Element> plugin(String artifactId) {
    Optional<Element> plugins = child(project, "build").flatMap(build -> child(build, "plugins"));
    for (Element plugin : children(plugins, "plugin")) {
      if (text(plugin, "artifactId").equals(artifactId)) {
        return Optional.of(plugin);
      }
    }
    return Optional.empty();
  }

  private static Optional<Element> execution(Element plugin, String id) {
    for (Element execution : children(child(plugin, "executions"), "execution")) {
      if (text(execution, "id").equals(id)) {
        return child(execution, "configuration");
      }
    }
    return Optional.empty();
  }

  private static Image image(Element configuration) {
    Element container = child(configuration, "container").orElseThrow();
    Map<String, String> environment = new LinkedHashMap<>();
    child(container, "environment")
        .ifPresent(env -> elements(env).forEach(e -> environment.put(e.getTagName(), content(e))));
    Map<Path, String> extraDirectories = new LinkedHashMap<>();
    Optional<Element> extra = child(configuration, "extraDirectories");
    for (Element path : children(extra.flatMap(e -> child(e, "paths")), "path")) {
      extraDirectories.put(Path.of(text(path, "from")), text(path, "into"));
    }
    Map<String, String> permissions = new LinkedHashMap<>();
    for (Element permission : children(extra.flatMap(e -> child(e, "permissions")), "permission")) {
      permissions.put(text(permission, "file"), text(permission, "mode"));
    }
    Set<Integer> ports = new TreeSet<>();
    for (String port : texts(child(container, "ports"), "port")) {
      String[] range = port.split("-", 2);
      int first = Integer.parseInt(range[0].trim());
      int last = range.length == 2 ? Integer.parseInt(range[1].trim()) : first;
      for (int p = first; p <= last; p++) {
        ports.add(p);
      }
    }
    return new Image(
        text(child(configuration, "from").orElseThrow(), "image"),
        text(child(configuration, "to").orElseThrow(), "image"),
        texts(child(container, "entrypoint"), "arg"),
        text(container, "user"),
        text(container, "workingDirectory"),
        ports,
        environment,
        extraDirectories,
        permissions);
  }

  private static Optional<Element> child(Element parent, String name) {
    for (Element e : elements(parent)) {
      if (e.getTagName().equals(name)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }

  private static List<Element> children(Optional<Element> parent, String name) {
    List<Element> result = new ArrayList<>();
    parent.ifPresent(
        p -> elements(p).stream().filter(e -> e.getTagName().equals(name)).forEach(result::add));
    return result;
  }

  private static List<Element> elements(Element parent) {
    List<Element> result = new ArrayList<>();
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e) {
        result.add(e);
      }
    }
    return result;
  }

  private static String text(Element parent, String name) {
    return child(parent, name).map(ImageConfiguration::content).orElse("");
  }

  private static List<String> texts(Optional<Element> parent, String name) {
    return children(parent, name).stream().map(ImageConfiguration::content).toList();
  }

  private static String content(Element e) {
    return e.getTextContent().trim();
  }
}
