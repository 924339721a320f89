/**
 * Resource quantities as the API server validates them (ValidateResourceRequirements): no negative
 * request, limit or overhead (`Cpu.millis(-500)` renders `-500m`); extended resources such as
 * nvidia.com/gpu in whole units, with the request equal to the limit, as for hugepages (neither can be
 * overcommitted); other requests no higher than their limit. A quantity the schema check refuses is
 * left to it.
 */
import { Problem, showValue } from '../../errors';
import type { Check } from './check';
import { problemAt, RenderedObject } from '../manifest';
import { at, Path, record } from './access';
import { containersOf, podSpecPath } from './pods';

const SCALE: Readonly<Record<string, number>> = {
  '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const QUANTITY_PARTS = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

/** A quantity as a number (exact enough to compare and to tell whole from fractional), or undefined when it is not one. */
export function quantityValue(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const parts = QUANTITY_PARTS.exec(q);
  if (!parts) return undefined;
  const [, number, suffix = ''] = parts;
  return /^[eE]/.test(suffix) ? Number(number + suffix) : Number(number) * SCALE[suffix];
}

/** Any resource whose name has a domain prefix other than kubernetes.io (v1helper.IsExtendedResourceName). */
const isExtended = (resource: string) => resource.includes('/') && !resource.includes('kubernetes.io/') && !resource.startsWith('requests.');
/** Resources a node cannot hand out more of than it has: the request must equal the limit. */
const notOvercommitted = (resource: string) => isExtended(resource) || resource.startsWith('hugepages-');

type Report = (field: Path, message: string) => void;

const NEGATIVE = 'is negative; requests, limits and overheads are 0 or more';

/** Every quantity of a map at least 0. */
function checkNonNegative(map: Readonly<Record<string, unknown>>, path: Path, report: Report): void {
  for (const [resource, q] of Object.entries(map)) {
    const value = quantityValue(q);
    if (value !== undefined && value < 0) report([...path, resource], `${showValue(q)} ${NEGATIVE}`);
  }
}

/** A container's or a pod's requests and limits. */
function checkRequirements(resources: unknown, path: Path, report: Report): void {
  const requests = record(at(resources, 'requests')) ?? {};
  const limits = record(at(resources, 'limits')) ?? {};
  checkNonNegative(requests, [...path, 'requests'], report);
  checkNonNegative(limits, [...path, 'limits'], report);
  for (const [field, map] of [['limits', limits], ['requests', requests]] as const) {
    for (const [resource, q] of Object.entries(map)) {
      const value = quantityValue(q);
      if (isExtended(resource) && value !== undefined && value >= 0 && !Number.isInteger(value)) {
        report([...path, field, resource], `${showValue(q)} is not a whole number; ${resource} is an extended resource, which pods get in whole units`);
      }
    }
  }
  for (const [resource, q] of Object.entries(requests)) {
    const request = quantityValue(q);
    if (request === undefined || request < 0) continue;
    const limit = quantityValue(limits[resource]);
    if (notOvercommitted(resource)) {
      if (!Object.hasOwn(limits, resource)) report([...path, 'requests', resource], `requested without a limit; ${resource} cannot be overcommitted: set its limit to the request`);
      else if (limit !== undefined && limit !== request) report([...path, 'requests', resource], `${showValue(q)} differs from the limit ${showValue(limits[resource])}; ${resource} cannot be overcommitted: set both to the same amount`);
    } else if (limit !== undefined && limit >= 0 && request > limit) {
      report([...path, 'requests', resource], `${showValue(q)} is above the limit ${showValue(limits[resource])}; a request is at most its limit`);
    }
  }
}

function resourceProblems(o: RenderedObject): Problem[] {
  const m = o.manifest;
  const problems: Problem[] = [];
  const report: Report = (field, message) => problems.push(problemAt(o, field, message));
  if (m.apiVersion === 'node.k8s.io/v1' && m.kind === 'RuntimeClass') {
    checkNonNegative(record(at(m, 'overhead', 'podFixed')) ?? {}, ['overhead', 'podFixed'], report);
  }
  const spec = podSpecPath(m.apiVersion, m.kind);
  if (!spec) return problems;
  for (const { container, path } of containersOf(m)) checkRequirements(container.resources, [...path, 'resources'], report);
  checkRequirements(at(m, ...spec, 'resources'), [...spec, 'resources'], report);
  checkNonNegative(record(at(m, ...spec, 'overhead')) ?? {}, [...spec, 'overhead'], report);
  return problems;
}

/** Requests, limits and overheads of every pod, pod template and RuntimeClass. */
export const resourceQuantities: Check = (objects) => objects.flatMap(resourceProblems);
