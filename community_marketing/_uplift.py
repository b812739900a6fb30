"""The statistics behind campaign measurement: closed forms over counts and sums.

Every function takes counts (or sums) already reduced from the contacts, so the
cost of measuring a campaign is the cost of counting; nothing here loops over
contacts. Sources:

- Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
  inference. JASA 22(158), 209-212: the score interval of one proportion.
- Newcombe, R. G. (1998). Interval estimation for the difference between independent
  proportions: comparison of eleven methods. Statistics in Medicine 17(8), 873-890,
  method 10: the hybrid score interval, Wilson intervals of each proportion combined.
- Katz, D., Baptista, J., Azen, S. P., Pike, M. C. (1978). Obtaining confidence intervals
  for the risk ratio in cohort studies. Biometrics 34(3), 469-474: the log interval.
- The two-proportion z-test with the pooled proportion under the null (Fleiss, Levin,
  Paik, Statistical Methods for Rates and Proportions, 3rd ed., 2003, section 2.6).
- Welch, B. L. (1947). The generalization of "Student's" problem when several different
  population variances are involved. Biometrika 34(1-2), 28-35.
- Cohen, J. (1988). Statistical Power Analysis for the Behavioral Sciences, 2nd ed.,
  chapter 6: the effect size h = 2 asin(sqrt(p1)) - 2 asin(sqrt(p2)) and the normal
  power of a two-sided test.
"""

from __future__ import annotations

import math

from scipy import optimize, stats

__all__ = [
    "cohen_h",
    "katz_ratio_interval",
    "newcombe_interval",
    "normal_quantile",
    "pooled_z_test",
    "required_size",
    "welch_interval",
    "wilson_interval",
]

_NAN = float("nan")


def normal_quantile(confidence: float) -> float:
    """The two-sided critical value z such that P(|Z| <= z) = ``confidence``."""
    return float(stats.norm.ppf(0.5 + confidence / 2.0))


def wilson_interval(successes: int, trials: int, z: float) -> tuple[float, float]:
    """Wilson's score interval for ``successes / trials`` (``trials`` > 0)."""
    p = successes / trials
    z2 = z * z
    denominator = 1.0 + z2 / trials
    centre = (p + z2 / (2.0 * trials)) / denominator
    half = z / denominator * math.sqrt(p * (1.0 - p) / trials + z2 / (4.0 * trials * trials))
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_interval(x1: int, n1: int, x2: int, n2: int, z: float) -> tuple[float, float, float]:
    """``p1 - p2`` and Newcombe's hybrid score interval for it (method 10)."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, z)
    l2, u2 = wilson_interval(x2, n2, z)
    difference = p1 - p2
    low = difference - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = difference + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return difference, low, high


def katz_ratio_interval(x1: int, n1: int, x2: int, n2: int, z: float) -> tuple[float, float, float]:
    """The risk ratio ``p1 / p2`` and Katz's log interval; NaN where a count is zero."""
    if x1 == 0 or x2 == 0:
        ratio = 0.0 if x1 == 0 and x2 > 0 else _NAN
        return ratio, _NAN, _NAN
    ratio = (x1 / n1) / (x2 / n2)
    se = math.sqrt(1.0 / x1 - 1.0 / n1 + 1.0 / x2 - 1.0 / n2)
    return ratio, ratio * math.exp(-z * se), ratio * math.exp(z * se)


def pooled_z_test(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """The pooled two-proportion z statistic for ``p1 - p2`` and its two-sided p-value.

    When every contact converted, or none did, the groups cannot differ: z is 0 and
    the p-value 1.
    """
    pooled = (x1 + x2) / (n1 + n2)
    variance = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)
    if variance <= 0.0:
        return 0.0, 1.0
    z = (x1 / n1 - x2 / n2) / math.sqrt(variance)
    return z, float(2.0 * stats.norm.sf(abs(z)))


def _mean_variance(total: float, squares_about: float, n: int) -> tuple[float, float]:
    """Mean and sample variance of ``n`` values whose non-zero part is summarised."""
    mean = total / n
    return mean, squares_about / (n - 1) if n > 1 else _NAN


def welch_interval(
    sums: tuple[float, float],
    squares: tuple[float, float],
    sizes: tuple[int, int],
    confidence: float,
) -> tuple[float, float, float, float, float]:
    """Means of two groups, their difference and Welch's t interval for it.

    ``squares`` are each group's sums of squared deviations from its own mean.
    """
    mean1, var1 = _mean_variance(sums[0], squares[0], sizes[0])
    mean2, var2 = _mean_variance(sums[1], squares[1], sizes[1])
    difference = mean1 - mean2
    a, b = var1 / sizes[0], var2 / sizes[1]
    se2 = a + b
    if not math.isfinite(se2):
        return mean1, mean2, difference, _NAN, _NAN
    if se2 == 0.0:
        return mean1, mean2, difference, difference, difference
    df = se2 * se2 / (a * a / (sizes[0] - 1) + b * b / (sizes[1] - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2.0, df)) * math.sqrt(se2)
    return mean1, mean2, difference, difference - half, difference + half


def cohen_h(p1: float, p2: float) -> float:
    """Cohen's effect size for two proportions: ``2 asin(sqrt(p1)) - 2 asin(sqrt(p2))``."""
    return 2.0 * math.asin(math.sqrt(p1)) - 2.0 * math.asin(math.sqrt(p2))


def _power(n1: float, h: float, alpha: float, ratio: float) -> float:
    """Power of the two-sided normal test with ``n1`` and ``ratio * n1`` observations."""
    crit = float(stats.norm.isf(alpha / 2.0))
    shift = abs(h) * math.sqrt(n1 / (1.0 + 1.0 / ratio))
    return float(stats.norm.sf(crit - shift) + stats.norm.cdf(-crit - shift))


def required_size(h: float, alpha: float, power: float, ratio: float) -> float:
    """The (fractional) first-group size reaching ``power``, both tails counted."""
    z = float(stats.norm.isf(alpha / 2.0) + stats.norm.isf(1.0 - power))
    guess = (z / abs(h)) ** 2 * (1.0 + 1.0 / ratio)
    high = 2.0 * guess + 10.0
    if _power(1e-9, h, alpha, ratio) >= power:
        return 1e-9
    return float(
        optimize.brentq(
            lambda n: _power(n, h, alpha, ratio) - power, 1e-9, high, xtol=1e-12, rtol=1e-15
        )
    )
