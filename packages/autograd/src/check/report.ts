/**
 * Gradcheck reports: the result of a check, a readable account of a failure, and the hints that point
 * at the usual mistakes in a backward rule (TESTING.md): a constant ratio, a flipped sign, a dropped
 * path, a transposed result.
 */

/** One Jacobian entry (full mode) or gradient element (fast mode's fall-back) that differs. */
export interface GradcheckFailure {
  /** Which input (its position in `inputs`). */
  input: number;
  /** The element of that input. */
  index: number[];
  /** The output element, when known (full mode); absent when a random cotangent was contracted. */
  output?: number[];
  analytic: number;
  numeric: number;
  /** The tolerance this entry had to meet: atol + rtol * |numeric|. */
  allowed: number;
}

export interface GradcheckReport {
  /** True when every entry agreed and every structural check passed. */
  ok: boolean;
  maxAbsError: number;
  maxRelError: number;
  failures: GradcheckFailure[];
  /** 'full': whole Jacobians compared; 'fast': random projections (elements named after a fall-back). */
  mode: 'full' | 'fast';
  /** Failed structural checks: gradient shape or dtype, repeatability, zero and linear cotangents. */
  problems: string[];
  /** Likely causes read off the failures. */
  hints: string[];
  /** A readable account: settings, the worst entries with coordinates, problems and hints. */
  message: string;
}

export interface ReportContext {
  title: string;
  inputShapes: readonly (readonly number[])[];
  checked: readonly number[];
  outputShape: readonly number[];
  settings: { eps: number; atol: number; rtol: number; seed: number; mode: 'full' | 'fast' };
  /** For the transposed-index hint: looks up the analytic value of an entry, if known. */
  analyticAt?: (input: number, index: number[], output: number[] | undefined) => number | undefined;
}

const fmt = (shape: readonly number[]): string => `[${shape.join(',')}]`;
const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));

/** Whether the numeric value of `f` equals the analytic value at the index with its last two axes swapped. */
function matchesTransposed(f: GradcheckFailure, lookup: NonNullable<ReportContext['analyticAt']>): boolean {
  if (f.index.length < 2) return false;
  const swapped = [...f.index];
  [swapped[swapped.length - 1], swapped[swapped.length - 2]] = [swapped[swapped.length - 2]!, swapped[swapped.length - 1]!];
  const value = lookup(f.input, swapped, f.output);
  return value !== undefined && close(value, f.numeric);
}

/** The likely causes of a set of failures. */
export function hintsFor(failures: readonly GradcheckFailure[], context: ReportContext): string[] {
  if (failures.length === 0) return [];
  const hints: string[] = [];
  if (failures.some((f) => !Number.isFinite(f.numeric))) {
    hints.push('the numeric derivative is not finite: f is not differentiable (or not defined) at these inputs; move them away from kinks and domain edges');
  }
  // The most specific explanation first: values that match at transposed indices.
  const lookup = context.analyticAt;
  if (lookup !== undefined && failures.every((f) => matchesTransposed(f, lookup))) {
    hints.push('the numeric values match the analytic ones at transposed indices: a transposed result (a missing or extra transpose)?');
    return hints;
  }
  const measurable = failures.filter((f) => Number.isFinite(f.numeric) && Math.abs(f.numeric) > 1e-8);
  if (failures.every((f) => f.analytic === 0 && f.numeric !== 0)) {
    hints.push('analytic is 0 where numeric is not: a dropped path? (a rule returning null or zeros for this input)');
  } else if (measurable.length > 0 && measurable.every((f) => close(f.analytic, -f.numeric))) {
    hints.push('analytic = -numeric: a flipped sign in the rule?');
  } else if (measurable.length > 0) {
    const ratio = measurable[0]!.analytic / measurable[0]!.numeric;
    if (ratio !== 0 && Number.isFinite(ratio) && measurable.every((f) => close(f.analytic / f.numeric, ratio))) {
      const inverse = 1 / ratio;
      let detail = 'a constant factor wrong';
      if (Math.abs(inverse - Math.round(inverse)) < 1e-6 && Math.round(inverse) > 1) {
        detail = `1/${Math.round(inverse)}: a broadcast axis of size ${Math.round(inverse)} not summed, or a mean where a sum belongs?`;
      } else if (Math.abs(ratio - Math.round(ratio)) < 1e-6 && Math.round(ratio) > 1) {
        detail = `${Math.round(ratio)}x: a term counted ${Math.round(ratio)} times, or a sum where a mean belongs?`;
      }
      hints.push(`analytic/numeric = ${Number(ratio.toPrecision(6))} at every failing entry: ${detail}`);
    }
  }
  return hints;
}

/** Builds the report, its hints and its message. */
export function buildReport(
  failures: GradcheckFailure[],
  problems: string[],
  maxAbsError: number,
  maxRelError: number,
  context: ReportContext,
): GradcheckReport {
  const ok = failures.length === 0 && problems.length === 0;
  const hints = hintsFor(failures, context);
  const { eps, atol, rtol, seed, mode } = context.settings;
  const lines: string[] = [];
  const shapes = context.inputShapes.map((shape, i) => `${i}: ${fmt(shape)}${context.checked.includes(i) ? '' : ' (not checked)'}`).join(', ');
  if (ok) {
    lines.push(`${context.title} passed: inputs ${shapes}; output ${fmt(context.outputShape)}; max abs error ${maxAbsError.toExponential(2)}`);
  } else {
    const failedInputs = [...new Set(failures.map((f) => f.input))].sort((a, b) => a - b);
    lines.push(
      `${context.title} failed: ${failures.length} ${mode === 'full' ? 'Jacobian entries' : 'gradient elements'} differ` +
        (failedInputs.length > 0 ? ` for input ${failedInputs.join(', ')}` : '') +
        `; inputs ${shapes}; output ${fmt(context.outputShape)}`,
    );
  }
  lines.push(`settings: mode ${mode}, eps ${eps}, atol ${atol}, rtol ${rtol}, seed ${seed}`);
  if (failures.length > 0) {
    lines.push('worst entries:');
    // Worst first; a NaN difference is the worst of all (a NaN in the comparator would leave the order undefined).
    const excess = (f: GradcheckFailure): number => {
      const over = Math.abs(f.analytic - f.numeric) - f.allowed;
      return Number.isNaN(over) ? Infinity : over;
    };
    const worst = [...failures].sort((p, q) => (excess(q) > excess(p) ? 1 : excess(q) < excess(p) ? -1 : 0));
    for (const f of worst.slice(0, 8)) {
      const at = `input ${f.input} at ${fmt(f.index)}${f.output === undefined ? '' : `, output ${fmt(f.output)}`}`;
      lines.push(`  ${at}: analytic ${f.analytic}, numeric ${f.numeric}, allowed difference ${f.allowed.toExponential(2)}`);
    }
  }
  for (const problem of problems) lines.push(`problem: ${problem}`);
  for (const hint of hints) lines.push(`hint: ${hint}`);
  return { ok, maxAbsError, maxRelError, failures, mode, problems, hints, message: lines.join('\n') };
}
