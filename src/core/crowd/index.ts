/**
 * Crowd-report detection: which reports count, how a window adds up, what is normal for a
 * service, and when reports say it is down. Pure; time comes in as epoch-ms arguments.
 */
export * from './problem-kind.js';
export * from './report-admission.js';
export * from './crowd-window.js';
export * from './poisson-test.js';
export * from './slot-table.js';
export * from './crowd-baseline.js';
export * from './crowd-decision.js';
export * from './crowd-detector.js';
export * from './community-notice.js';
