/** The standard normal distribution: CDF and survival function (the quantile lives in theil-sen.ts). */

export { normalQuantile } from './theil-sen.js';

/**
 * Complementary error function, W. J. Cody's rational Chebyshev approximations (relative error < 1e-14),
 * so that tail p-values far out (1e-10) keep their digits instead of rounding 1 - x to 0.
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const ax = Math.abs(x);
  let r: number;
  if (ax < 0.5) {
    const t = ax * ax;
    const top =
      (((0.185777706184603153 * t + 3.1611237438705656) * t + 113.864154151050156) * t + 377.485237685302021) * t + 3209.37758913846947;
    const bot = (((t + 23.6012909523441209) * t + 244.024637934444173) * t + 1282.61652607737228) * t + 2844.23683343917062;
    r = 1 - (ax * top) / bot;
    return x < 0 ? 2 - r : r;
  }
  if (ax < 4) {
    const top =
      ((((((5.64188496988670089e-1 * ax + 8.88314979438837594) * ax + 6.61191906371416295e1) * ax + 2.98635138197400131e2) * ax +
        8.8195222124176909e2) *
        ax +
        1.71204761263407058e3) *
        ax +
        2.05107837782607147e3) *
        ax +
      1.23033935479799725e3;
    const bot =
      (((((((ax + 1.57449261107098347e1) * ax + 1.17693950891312499e2) * ax + 5.37181101862009858e2) * ax + 1.62138957456669019e3) * ax +
        3.29079923573345963e3) *
        ax +
        4.36261909014324716e3) *
        ax +
        3.43936767414372164e3) *
        ax +
      1.23033935480374942e3;
    r = Math.exp(-ax * ax) * (top / bot);
  } else {
    const z = 1 / (ax * ax);
    const top =
      ((((1.63153871373020978e-2 * z + 3.05326634961232344e-1) * z + 3.60344899949804439e-1) * z + 1.25781726111229246e-1) * z +
        1.60837851487422766e-2) *
        z +
      6.58749161529837803e-4;
    const bot =
      ((((z + 2.56852019228982242) * z + 1.87295284992346725) * z + 5.27905102951428412e-1) * z + 6.05183413124413191e-2) * z +
      2.33520497626869185e-3;
    r = (Math.exp(-ax * ax) / ax) * (1 / Math.sqrt(Math.PI) - (z * top) / bot);
  }
  return x < 0 ? 2 - r : r;
}

/** Two-sided p-value of a standard normal statistic: P(|Z| >= |z|). */
export function normalTwoSidedP(z: number): number {
  return Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
}
