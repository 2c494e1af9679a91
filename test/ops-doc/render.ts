/**
 * docs/ops.md, made from the op table (packages/autograd/src/ops/registry.ts): one row per public
 * op, from its doc (in its family's docs table, beside its record, or in ops/composites.ts). The
 * test beside this file fails when docs/ops.md differs from what this gives; `npm run docs:ops`
 * writes it.
 */
import { opTable, type OpTableEntry } from '../../packages/autograd/src/ops/registry.js';

const header = `# Every op of @nn/autograd

Generated from the op table by \`npm run docs:ops\` (the PyTorch names and notes live beside each op
in \`packages/autograd/src/ops/\`); a test fails when this page differs from what the script
writes, so edit the op, not this page. How to add an op: [contributing.md](contributing.md).

- **call**: the free function, and the Tensor method where there is one (\`x.exp()\` is \`exp(x)\`).
- **gradient**: *all orders* for a primitive (its backward rule is written with Tensor ops, so it
  differentiates again; the property suite checks first and second order in float64) and for a
  composite (built from primitives, named in the column); *none* for an op whose result carries no
  gradient.
- **dtypes**: the dtypes the op takes. An op of float values (\`exp\`, \`div\`, \`logSumExp\`, ...) takes
  int32 and computes in the default float dtype; the int32 rules are in [autograd.md](autograd.md).
`;

/** The gradient column: what differentiates the op, and to which order. */
function gradient(entry: OpTableEntry): string {
  if (entry.gradient === 'primitive') return 'all orders (primitive)';
  if (entry.gradient === 'none') return 'none';
  return `all orders (composite of ${entry.gradient.builtFrom.map((name) => `\`${name}\``).join(', ')})`;
}

/** True for an op the package does not export (see `OpDoc.internal`). */
export const isInternal = (entry: OpTableEntry): boolean => entry.doc.internal === true;

/** A table cell: pipes escaped, so that notes may hold them. */
const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** The whole of docs/ops.md. */
export function renderOpsPage(): string {
  const rows = Object.entries(opTable)
    .filter(([, entry]) => !isInternal(entry))
    .map(([name, entry]) => {
      const { doc } = entry;
      const call = doc.method === undefined ? `\`${name}\`` : `\`${name}\`, \`x.${doc.method}\``;
      const dtypes = (doc.dtypes ?? ['float32', 'float64', 'int32']).join(', ');
      return `| ${[call, `\`${doc.torch}\``, gradient(entry), dtypes, doc.notes ?? ''].map(cell).join(' | ')} |`;
    });
  return [header, '| call | PyTorch | gradient | dtypes | notes |', '|---|---|---|---|---|', ...rows, ''].join('\n');
}
