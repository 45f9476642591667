/**
 * Evaluation reports on disk: the JSON report, an HTML page and PNG plots drawn with Java2D and
 * ImageIO (no native dependencies). Depends on core and Jackson.
 */
package io.latentserve.evaluator.report;
