package io.latentserve.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PromQL queries of the Grafana dashboard (deploy/grafana/latentserve-dashboard.json), and the
 * metric and label names each one uses, so that a test can hold them against a real Prometheus.
 *
 * <p>The names are read with a small lexer rather than a list of known prefixes, so that any metric
 * a query names counts: string literals are blanked; the label names of {@code {...}} matchers and
 * of {@code by}, {@code without}, {@code on}, {@code ignoring}, {@code group_left} and {@code
 * group_right} lists are labels; range and subquery brackets are dropped; every other identifier
 * that is not a function call, a keyword or part of a number or duration is a metric.
 */
final class DashboardQueries {
  /** One query: its text and the metric and label names it uses. */
  record Query(String where, String expr, Set<String> metrics, Set<String> labels) {
    Query {
      metrics = Set.copyOf(metrics);
      labels = Set.copyOf(labels);
    }
  }

  private static final Pattern STRING =
      Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
  private static final Pattern BRACES = Pattern.compile("\\{([^}]*)}");
  private static final Pattern MATCHER =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(?:=~|!~|!=|=)");
  private static final Pattern BRACKETS = Pattern.compile("\\[[^]]*]");
  private static final Pattern GROUPING =
      Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)");
  private static final Pattern IDENTIFIER =
      Pattern.compile("(?<![\\w.:$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");
  private static final Pattern LABEL_VALUES =
      Pattern.compile(
          "^\\s*label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,\\s*(\\w+)\\s*\\)\\s*$");
  private static final Set<String> KEYWORDS =
      Set.of(
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "offset",
          "bool",
          "and",
          "or",
          "unless",
          "inf",
          "nan",
          "atan2");

  private DashboardQueries() {}

  /** Every panel target's expr and every {@code label_values(metric, label)} variable query. */
  static List<Query> read(Path dashboardFile) {
    JsonNode dashboard;
    try {
      dashboard = new ObjectMapper().readTree(dashboardFile.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dashboardFile, e);
    }
    List<Query> queries = new ArrayList<>();
    List<JsonNode> panels = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      panels.add(panel);
      panel.path("panels").forEach(panels::add);
    }
    for (JsonNode panel : panels) {
      for (JsonNode target : panel.path("targets")) {
        String expr = target.path("expr").asText();
        if (!expr.isBlank()) {
          queries.add(
              parse(
                  "panel \"" + panel.path("title").asText() + "\" " + target.path("refId").asText(),
                  expr));
        }
      }
    }
    for (JsonNode variable : dashboard.at("/templating/list")) {
      if (variable.path("type").asText().equals("query")) {
        String query = variable.at("/query/query").asText(variable.path("query").asText());
        Matcher m = LABEL_VALUES.matcher(query);
        if (!m.matches()) {
          throw new IllegalArgumentException(
              "variable " + variable.path("name").asText() + ": not label_values(metric, label)");
        }
        queries.add(
            new Query(
                "variable $" + variable.path("name").asText(),
                query,
                Set.of(m.group(1)),
                Set.of(m.group(2))));
      }
    }
    return queries;
  }

  /** The metric and label names of one PromQL expression. */
  static Query parse(String where, String expr) {
    Set<String> labels = new TreeSet<>();
    String text = STRING.matcher(expr).replaceAll("\"\"");
    StringBuilder outside = new StringBuilder();
    Matcher braces = BRACES.matcher(text);
    while (braces.find()) {
      for (Matcher m = MATCHER.matcher(braces.group(1)); m.find(); ) {
        labels.add(m.group(1));
      }
      braces.appendReplacement(outside, "{}");
    }
    braces.appendTail(outside);
    text = BRACKETS.matcher(outside).replaceAll(" ");
    StringBuilder rest = new StringBuilder();
    Matcher grouping = GROUPING.matcher(text);
    while (grouping.find()) {
      for (String label : grouping.group(1).split(",")) {
        if (!label.isBlank()) {
          labels.add(label.strip());
        }
      }
      grouping.appendReplacement(rest, " ");
    }
    grouping.appendTail(rest);
    Set<String> metrics = new TreeSet<>();
    for (Matcher m = IDENTIFIER.matcher(rest); m.find(); ) {
      String name = m.group(1);
      boolean call = m.group(2) != null;
      if (!call && !KEYWORDS.contains(name.toLowerCase(Locale.ROOT))) {
        metrics.add(name);
      }
    }
    return new Query(where, expr, metrics, labels);
  }
}
