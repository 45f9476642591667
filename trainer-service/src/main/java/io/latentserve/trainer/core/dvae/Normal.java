package io.latentserve.trainer.core.dvae;

/** The standard normal CDF and quantile in double precision. */
final class Normal {
  private Normal() {}

  /** Phi(x) = erfc(-x / sqrt 2) / 2, with erfc to about 1e-15 relative (W. J. Cody's form). */
  static double cdf(double x) {
    return 0.5 * erfc(-x / Math.sqrt(2));
  }

  /** erfc by its continued fraction for |x| > 2 and by the series of erf below. */
  static double erfc(double x) {
    double ax = Math.abs(x);
    double value;
    if (ax < 2) {
      // erf(x) = 2/sqrt(pi) sum_n (-1)^n x^(2n+1) / (n! (2n+1))
      double sum = 0;
      double term = ax;
      for (int n = 0; n < 60; n++) {
        double add = term / (2 * n + 1);
        sum += add;
        if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
          break;
        }
        term *= -ax * ax / (n + 1);
      }
      value = 1 - 2 / Math.sqrt(Math.PI) * sum;
    } else {
      // Lentz's continued fraction: erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x +
      // 3/2/...)))
      double f = ax;
      double c = ax;
      double d = 0;
      for (int n = 1; n < 200; n++) {
        double a = n / 2.0;
        d = ax + a * d;
        d = d == 0 ? 1e-300 : 1 / d;
        c = ax + a / c;
        double delta = c * d;
        f *= delta;
        if (Math.abs(delta - 1) < 1e-16) {
          break;
        }
      }
      value = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
    }
    return x >= 0 ? value : 2 - value;
  }

  /** Phi^-1(p) for p in (0, 1): Acklam's rational start, refined by two Newton steps. */
  static double quantile(double p) {
    if (p <= 0) {
      return Double.NEGATIVE_INFINITY;
    }
    if (p >= 1) {
      return Double.POSITIVE_INFINITY;
    }
    double[] a = {
      -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
      1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00
    };
    double[] b = {
      -5.447609879822406e+01,
      1.615858368580409e+02,
      -1.556989798598866e+02,
      6.680131188771972e+01,
      -1.328068155288572e+01
    };
    double[] c = {
      -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
      -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00
    };
    double[] d = {
      7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00
    };
    double x;
    if (p < 0.02425) {
      double q = Math.sqrt(-2 * Math.log(p));
      x =
          (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
              / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p > 1 - 0.02425) {
      double q = Math.sqrt(-2 * Math.log(1 - p));
      x =
          -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
              / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else {
      double q = p - 0.5;
      double r = q * q;
      x =
          (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
              * q
              / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
    for (int i = 0; i < 2; i++) {
      double e = cdf(x) - p;
      x -= e * Math.sqrt(2 * Math.PI) * Math.exp(0.5 * x * x);
    }
    return x;
  }
}
