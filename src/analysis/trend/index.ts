/** The trend engine: is a memory series leaking, how fast, since when, and when will it hit its limit. */
export * from './detectLeakTrend.js';
export * from './mannKendall.js';
export * from './senSlope.js';
export * from './neweyWest.js';
export * from './cycles.js';
export * from './changePoints.js';
export * from './segments.js';
export * from './timeToLimit.js';
export * from './reduce.js';
export { erfc, normalSf, normalQuantile, studentTQuantile, twoSidedP } from './normal.js';
export * from './toReport.js';
export * from './ols.js';
export * from './rate.js';
export * from './effect.js';
