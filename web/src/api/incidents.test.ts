import { describe, expect, it } from 'vitest';
import type { Incident } from '../../../src/contract/index.ts';
import {
  applyIncidentChange,
  incidentQueryParams,
  matchesFilters,
  parseIncidentFilters,
} from './incidents.ts';

function incident(id: string, over: Partial<Incident> = {}): Incident {
  return {
    id,
    title: id,
    status: 'active',
    severity: 'medium',
    firstDetectedMs: 1_000,
    openedAtMs: 1_000,
    updatedAtMs: 1_000,
    lastSignalAtMs: 1_000,
    candidates: [],
    affectedServices: [],
    affectedEndpoints: [],
    impact: { services: [], endpoints: [], requests: 0, failedRequests: 0 },
    signals: [],
    signalCount: 0,
    totalTraces: 0,
    sampleTraces: [],
    timeline: [],
    reopenCount: 0,
    ...over,
  };
}

describe('incident filters', () => {
  it('reads known values from the URL and drops the rest', () => {
    expect(parseIncidentFilters('?status=active,bogus&severity=high,critical')).toEqual({
      status: ['active'],
      severity: ['high', 'critical'],
    });
    expect(parseIncidentFilters('')).toEqual({ status: [], severity: [] });
  });

  it('writes comma lists and bounds', () => {
    expect(
      incidentQueryParams({
        status: ['active', 'acknowledged'],
        fromMs: 1.5,
        limit: 10,
      }).toString(),
    ).toBe('status=active%2Cacknowledged&from=1&limit=10');
  });

  it('matches on status and severity, empty meaning any', () => {
    const i = incident('a', { severity: 'high' });
    expect(matchesFilters(i, { status: [], severity: [] })).toBe(true);
    expect(matchesFilters(i, { status: ['resolved'], severity: [] })).toBe(false);
    expect(matchesFilters(i, { status: ['active'], severity: ['high'] })).toBe(true);
  });
});

describe('applyIncidentChange', () => {
  it('replaces by id and keeps open, severe, recent incidents first', () => {
    const list = [incident('a'), incident('b', { severity: 'low', firstDetectedMs: 5_000 })];
    const next = applyIncidentChange(list, incident('b', { severity: 'critical' }));
    expect(next.map((i) => [i.id, i.severity])).toEqual([
      ['b', 'critical'],
      ['a', 'medium'],
    ]);
    const resolved = applyIncidentChange(next, incident('b', { status: 'resolved' }));
    expect(resolved.map((i) => i.id)).toEqual(['a', 'b']);
  });
});
