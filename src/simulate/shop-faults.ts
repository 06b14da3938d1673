/**
 * @module
 * Faults of the shop simulator and their ground truth. A fault targets a service (or one of its
 * endpoints) for a span of event time:
 *
 * - `delay`: every request there takes `value` ms longer; callers' client and server spans grow.
 * - `error`: a share `value` (0..1] of requests fail with 500 and an exception event.
 * - `timeout`: a share `value` (0..1] of requests never finish; their server spans and all their
 *   descendants are never emitted, and the caller's client span fails at its client timeout.
 * - `saturation`: utilisation `value` (0..1] at nominal load, ramping in over the first third of
 *   the fault; self time grows like 1 / (1 - rho) with the load, and past rho 0.95 requests are
 *   shed with 503.
 * - `absence`: the service stops answering; callers' connections are refused at once and the
 *   service emits nothing (`value` unused).
 */
import type { FaultKind, ProblemItem } from '../contract/index.ts';
import { type ShopTopology, upstreamServices } from './shop-topology.ts';

export const SHOP_FAULT_KINDS = ['delay', 'error', 'timeout', 'saturation', 'absence'] as const;
export type ShopFaultKind = (typeof SHOP_FAULT_KINDS)[number];

export interface ShopFault {
  readonly service: string;
  /** One route of the service; absent = all of them. */
  readonly endpoint?: string;
  readonly kind: ShopFaultKind;
  /** Event time, epoch ms: active in [startMs, endMs). */
  readonly startMs: number;
  readonly endMs: number;
  /** delay: added ms; error and timeout: share of requests; saturation: utilisation; absence: unused. */
  readonly value: number;
}

/** The incident kind (contract `FaultKind`) a fault should be diagnosed as. */
export const FAULT_KIND_OF: Readonly<Record<ShopFaultKind, FaultKind>> = {
  delay: 'latency',
  error: 'errors',
  timeout: 'timeout',
  saturation: 'saturation',
  absence: 'absence',
};

/** Ground truth of one fault: what RCA should find and where it can show. */
export interface ShopFaultLabel {
  readonly id: string;
  readonly service: string;
  readonly endpoint?: string;
  readonly fault: ShopFaultKind;
  /** The kind an incident's root cause should name. */
  readonly kind: FaultKind;
  readonly startMs: number;
  readonly endMs: number;
  /** ISO 8601 copies of the bounds, for labels files. */
  readonly start: string;
  readonly end: string;
  readonly value: number;
  /** The root-cause service first, then its transitive callers (where symptoms may appear). */
  readonly affectedServices: readonly string[];
}

export function toShopFaultLabel(
  topology: ShopTopology,
  fault: ShopFault,
  index: number,
): ShopFaultLabel {
  return {
    id: `fault#${index}`,
    service: fault.service,
    ...(fault.endpoint === undefined ? {} : { endpoint: fault.endpoint }),
    fault: fault.kind,
    kind: FAULT_KIND_OF[fault.kind],
    startMs: fault.startMs,
    endMs: fault.endMs,
    start: new Date(fault.startMs).toISOString(),
    end: new Date(fault.endMs).toISOString(),
    value: fault.value,
    affectedServices: [fault.service, ...upstreamServices(topology, fault.service)],
  };
}

/** Every problem of the faults against the topology, fields named `faults[i].x`. */
export function validateShopFaults(
  topology: ShopTopology,
  faults: readonly ShopFault[],
): ProblemItem[] {
  const problems: ProblemItem[] = [];
  faults.forEach((f, i) => {
    const at = `faults[${i}]`;
    const service = topology.services.find((s) => s.name === f.service);
    if (service === undefined) {
      problems.push({ field: `${at}.service`, reason: `unknown service ${String(f.service)}` });
    } else if (f.endpoint !== undefined && !service.endpoints.some((e) => e.route === f.endpoint)) {
      problems.push({
        field: `${at}.endpoint`,
        reason: `${f.service} has no endpoint ${f.endpoint} (it has ${service.endpoints.map((e) => e.route).join(', ')})`,
      });
    }
    if (!(SHOP_FAULT_KINDS as readonly string[]).includes(f.kind)) {
      problems.push({
        field: `${at}.kind`,
        reason: `must be one of ${SHOP_FAULT_KINDS.join(', ')}`,
      });
    }
    if (!(Number.isFinite(f.startMs) && Number.isFinite(f.endMs) && f.endMs > f.startMs)) {
      problems.push({ field: `${at}.endMs`, reason: 'must be a finite time after startMs' });
    }
    const v = f.value;
    switch (f.kind) {
      case 'delay':
        if (!(v > 0 && Number.isFinite(v))) {
          problems.push({ field: `${at}.value`, reason: 'delay must be > 0 ms' });
        }
        break;
      case 'error':
      case 'timeout':
      case 'saturation':
        if (!(v > 0 && v <= 1))
          problems.push({ field: `${at}.value`, reason: 'must be in (0, 1]' });
        break;
      case 'absence':
        break;
    }
  });
  return problems;
}
