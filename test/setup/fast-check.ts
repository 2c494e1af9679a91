/**
 * One place that makes every property test reproducible: the seed and run count come from the
 * environment (FC_SEED, FC_NUM_RUNS), with fixed defaults so that CI always checks the same cases.
 * A failing property prints its seed and path; rerun with FC_SEED=<seed> to replay it.
 */
import fc from 'fast-check';

const seed = Number(process.env.FC_SEED ?? 20261122);
// FC_DEFAULT_RUNS is set by vitest.config.ts for the passes that force one backend; FC_NUM_RUNS overrides both.
const numRuns = Number(process.env.FC_NUM_RUNS ?? process.env.FC_DEFAULT_RUNS ?? 100);

fc.configureGlobal({ seed, numRuns });
