// The exact conditional test of a Poisson rate ratio: given n = x1 + x0 events over exposures t1 and t0,
// x1 is Binomial(n, π) with π = ρ·t1 / (ρ·t1 + t0) when the rates' ratio is ρ. One-sided: the p-value of
// "the candidate's rate is at most ρ0 times the baseline's" is P(X ≥ x1) under ρ0 (Przyborowski and
// Wilenski, 1940; what R's poisson.test does for two samples).

export interface RateRatioTest {
  /** (x1/t1) / (x0/t0); Infinity when the baseline had no events and the candidate some; 0/0 is 1. */
  ratio: number;
  /** One-sided p-value of H0: ratio ≤ ratio0. */
  p: number;
}

export function rateRatioTest(x1: number, t1: number, x0: number, t0: number, ratio0 = 1): RateRatioTest {
  if (!(t1 > 0 && t0 > 0)) throw new RangeError('exposures must be positive');
  const ratio = x1 === 0 && x0 === 0 ? 1 : x0 === 0 ? Number.POSITIVE_INFINITY : x1 / t1 / (x0 / t0);
  const pi = (ratio0 * t1) / (ratio0 * t1 + t0);
  return { ratio, p: binomialUpperTail(x1, x1 + x0, pi) };
}

/** P(X ≥ k) for X ~ Binomial(n, p), summed in log space from k upwards until the terms stop counting. */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const lq = Math.log1p(-p);
  const lp = Math.log(p);
  let logTerm = lnChoose(n, k) + k * lp + (n - k) * lq;
  let sum = 0;
  const step = lp - lq;
  for (let i = k; i <= n; i++) {
    const term = Math.exp(logTerm);
    sum += term;
    if (term < sum * 1e-17 && i > n * p) break;
    logTerm += Math.log((n - i) / (i + 1)) + step;
  }
  return Math.min(1, sum);
}

function lnChoose(n: number, k: number): number {
  return lnGamma(n + 1) - lnGamma(k + 1) - lnGamma(n - k + 1);
}

// Lanczos (g = 7, 9 terms): about 15 significant digits for x > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}
