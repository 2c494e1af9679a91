/**
 * The autograd gradient suite as it runs inside a browser page (test/browser/pages/gradients.html,
 * bundled by test/browser/gradients.test.ts with esbuild from the TypeScript sources).
 *
 * For each backend ('js', then 'wasm') and every op, a seeded fast-check property gradchecks the op
 * to first order in float64: every primitive of the registry on inputs its own test spec draws, and
 * every composite op on its case, the entries of packages/autograd/test/gradient-cases.ts (the
 * same list the Node suite walks). Second order and the full run count stay in the Node suite; this one shows that
 * the kernels and the graph behave the same in a browser engine, on both kernel sets.
 *
 * A failure is reported, not thrown: the result holds fast-check's report (seed, path,
 * counterexample, the gradcheck error), so the test names the op and the case replays.
 */
import fc from 'fast-check';
import { getBackend, matmul, setBackend, tensor, type Backend } from '../../packages/autograd/src/index.js';
import { drawnArb, gradcheckProperty, type GradcheckCase } from '../../packages/autograd/src/testing.js';
import { gradientCases } from '../../packages/autograd/test/gradient-cases.js';

/** The backends the suite runs on, in order. */
export const SUITE_BACKENDS: readonly Backend[] = ['js', 'wasm'];

export interface SuiteOptions {
  /** fast-check's seed, the same for every op and backend (so both backends check the same cases). */
  seed: number;
  /** Cases per op and backend. */
  numRuns: number;
}

/** The outcome of one op on one backend. */
export interface OpOutcome {
  op: string;
  kind: 'primitive' | 'composite';
  backend: Backend;
  /** fast-check's report of the first failure (seed, path, counterexample, error); absent when the op passed. */
  failure?: string;
  ms: number;
}

/** What the page saw of one backend while it ran the suite on it. */
export interface BackendProbe {
  backend: Backend;
  /** `getBackend()` while the suite ran: the setting the library reports. */
  setting: string;
  /**
   * A float32 product [1e8, 1, -1e8] . [1, 1, 1], which tells the kernels apart: the JavaScript
   * kernel sums in float64 (1), the WebAssembly one in float32, where 1e8 + 1 rounds to 1e8 (0).
   */
  float32Dot: number;
}

export interface SuiteResult {
  seed: number;
  numRuns: number;
  /** The registry's primitive op names as the page's bundle sees them. */
  primitiveOps: string[];
  compositeOps: string[];
  probes: BackendProbe[];
  outcomes: OpOutcome[];
  /** Wall time of the whole suite, milliseconds. */
  ms: number;
}

/** A suite entry: an op's name and an arbitrary of its gradcheck cases. */
interface SuiteCase {
  op: string;
  kind: 'primitive' | 'composite';
  cases: () => fc.Arbitrary<GradcheckCase>;
  eps: number | undefined;
}

/** The entries of the Node suite (packages/autograd/test/gradient-cases.ts), as arbitraries. */
function suiteCases(): SuiteCase[] {
  return gradientCases().map(({ op, kind, eps, caseOf }) => ({ op, kind, eps, cases: () => drawnArb(caseOf) }));
}

function probe(backend: Backend): BackendProbe {
  const a = tensor([[1e8, 1, -1e8]], { dtype: 'float32' });
  const b = tensor([[1], [1], [1]], { dtype: 'float32' });
  return { backend, setting: getBackend(), float32Dot: matmul(a, b).item() };
}

function runOne({ op, kind, cases, eps }: SuiteCase, backend: Backend, { seed, numRuns }: SuiteOptions): OpOutcome {
  const start = performance.now();
  let failure: string | undefined;
  try {
    const details = fc.check(gradcheckProperty(cases(), { eps, secondOrder: false }), { seed, numRuns });
    if (details.failed) failure = fc.defaultReportMessage(details) ?? `failed (seed ${seed}, path ${details.counterexamplePath ?? '?'})`;
  } catch (error) {
    // Thrown outside the property (while drawing a case, say): no path to replay, so say the seed.
    failure = `threw outside the property (seed ${seed}): ${error instanceof Error ? error.stack ?? error.message : String(error)}`;
  }
  const outcome: OpOutcome = { op, kind, backend, ms: performance.now() - start };
  if (failure !== undefined) outcome.failure = failure;
  return outcome;
}

/** Lets the page's event loop run between ops, so the page stays responsive while the suite runs. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Runs the suite on every backend of `SUITE_BACKENDS` and returns what each op did on each. Leaves
 * the backend setting as it found it.
 */
export async function runGradientSuite(options: SuiteOptions): Promise<SuiteResult> {
  if (!Number.isInteger(options.seed)) throw new Error(`runGradientSuite: seed must be an integer, got ${options.seed}`);
  if (!(Number.isInteger(options.numRuns) && options.numRuns >= 1)) throw new Error(`runGradientSuite: numRuns must be an integer >= 1, got ${options.numRuns}`);
  const start = performance.now();
  const entries = suiteCases();
  const previous = getBackend();
  const probes: BackendProbe[] = [];
  const outcomes: OpOutcome[] = [];
  try {
    for (const backend of SUITE_BACKENDS) {
      setBackend(backend);
      probes.push(probe(backend));
      for (const entry of entries) {
        outcomes.push(runOne(entry, backend, options));
        await yieldToEventLoop();
      }
    }
  } finally {
    setBackend(previous);
  }
  return {
    seed: options.seed,
    numRuns: options.numRuns,
    primitiveOps: entries.filter((e) => e.kind === 'primitive').map((e) => e.op),
    compositeOps: entries.filter((e) => e.kind === 'composite').map((e) => e.op),
    probes,
    outcomes,
    ms: performance.now() - start,
  };
}
