/** The simulator's version, recorded in every trace header (keep in step with package.json). */
export const SIMULATOR_VERSION = '0.1.0';
