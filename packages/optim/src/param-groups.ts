/**
 * Turning what the user hands an optimizer (a list of tensors, or a list of parameter groups each with
 * its own options) into checked groups: every parameter a leaf tensor that requires grad, and no tensor
 * in two places (one tensor updated twice per step would be a silent bug).
 */
import { describeValue, Tensor } from '@nn/autograd';
import { isIterable, isRecord } from './options.js';

/** A parameter group as given: its parameters, and options that override the optimizer's. */
export type ParamGroupInput<O> = { [K in keyof O]?: O[K] } & { params: Tensor | Iterable<Tensor> };

/** What an optimizer takes: tensors, or parameter groups (as PyTorch's `[{ params, lr }, ...]`). */
export type ParamsInput<O> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/** A group's checked parameters and its options as given (checked later against the optimizer's spec). */
export interface RawGroup {
  params: Tensor[];
  options: Record<string, unknown>;
}

/**
 * Splits `params` into groups; a plain list of tensors (`plain`) is one group without options of its
 * own.
 */
export function splitParams(owner: string, params: unknown): { groups: unknown[]; plain: boolean } {
  if (!isIterable(params) || params instanceof Tensor) {
    throw new Error(
      `${owner}: params must be an array of tensors or of parameter groups ({ params, ...options }), got ${describeValue(params)}`,
    );
  }
  const items = Array.from(params);
  if (items.length === 0) throw new Error(`${owner}: got an empty parameter list`);
  // As PyTorch: a list of tensors is one group; otherwise every item must be a group.
  return items[0] instanceof Tensor ? { groups: [{ params: items }], plain: true } : { groups: items, plain: false };
}

/**
 * Checks one group (the `index`-th, or the only one when `single`) and its parameters. `seen` maps the
 * tensors of the groups already added to their group, to catch a tensor in two groups.
 */
export function checkGroup(
  owner: string,
  group: unknown,
  index: number,
  single: boolean,
  seen: ReadonlyMap<Tensor, number>,
): RawGroup {
  const where = single ? '' : `parameter group ${index}: `;
  if (!isRecord(group) || !('params' in group)) {
    throw new Error(`${owner}: parameter group ${index} must be an object with 'params', got ${describeValue(group)}`);
  }
  const given = group.params;
  if (!(given instanceof Tensor) && !isIterable(given)) {
    throw new Error(`${owner}: ${where}params must be a Tensor or an array of tensors, got ${describeValue(given)}`);
  }
  const list = given instanceof Tensor ? [given] : Array.from(given);
  const params: Tensor[] = [];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new Error(`${owner}: ${where}parameter ${i} is not a Tensor (got ${describeValue(p)})`);
    const what = `${owner}: ${where}parameter ${i} (shape [${p.shape.join(',')}])`;
    if (!p.isLeaf) {
      throw new Error(`${what} is not a leaf: it is the result of '${p.node!.op.name}'; optimize the tensors it is computed from`);
    }
    if (!p.requiresGrad) throw new Error(`${what} does not require grad; create it with requiresGrad: true`);
    const earlier = params.indexOf(p);
    if (earlier >= 0) throw new Error(`${what} appears twice (it is parameter ${earlier} too)`);
    const other = seen.get(p);
    if (other !== undefined) throw new Error(`${what} is already in parameter group ${other}`);
    params.push(p);
  });
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(group)) if (key !== 'params') options[key] = value;
  return { params, options };
}
