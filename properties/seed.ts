/**
 * Seed policy for property suites: pinned in CI (so a CI failure reproduces from the log), taken
 * from MPIPL_PROPS_SEED when a developer wants to explore. Failures print `{ seed, path }`.
 */
export const PROPS_SEED = Number(process.env['MPIPL_PROPS_SEED'] ?? 20261125);
