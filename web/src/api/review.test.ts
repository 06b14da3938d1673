import { describe, expect, it } from 'vitest';
import { compactData } from '../pages/review.tsx';
import {
  decodeReviewFilter,
  encodeReviewFilter,
  reviewActionUrl,
  reviewItemPath,
  reviewListUrl,
} from './review.ts';

describe('review api', () => {
  it('encodes item ids in action URLs (ids hold : and #)', () => {
    expect(reviewActionUrl('pipeline:signals#42', 'reject')).toBe(
      '/api/v1/review/items/pipeline%3Asignals%2342/reject',
    );
  });

  it('sends the filters as comma lists', () => {
    expect(reviewListUrl({ statuses: ['pending', 'claimed'], streams: ['fleet'] }, 50)).toBe(
      '/api/v1/review?status=pending%2Cclaimed&stream=fleet&limit=50',
    );
    expect(reviewListUrl({ statuses: [], streams: [] }, 200)).toBe('/api/v1/review?limit=200');
  });

  it('round-trips the filter through the URL, dropping unknown values', () => {
    const f = decodeReviewFilter('?status=claimed,bogus,pending&stream=anomaly');
    expect(f).toEqual({ statuses: ['pending', 'claimed'], streams: ['anomaly'] });
    expect(decodeReviewFilter(`?${encodeReviewFilter(f)}`)).toEqual(f);
  });

  it('shows the data point in one short line', () => {
    expect(compactData({ signal: 'market_signal', latency_cycles: 12 })).toBe(
      'signal=market_signal latency_cycles=12',
    );
    expect(compactData({ note: 'x'.repeat(100) })).toBe(`note=${'x'.repeat(39)}…`);
    expect(
      compactData({ a: 'y'.repeat(30), b: 'y'.repeat(30), c: 'y'.repeat(30) }, 40),
    ).toHaveLength(40);
  });

  it('links an item to the page of its data point', () => {
    expect(reviewItemPath({ stream: 'fleet', data: { vehicle_id: 'van 3' } })).toBe(
      '/fleet/van%203',
    );
    expect(
      reviewItemPath({
        stream: 'anomaly',
        data: { metric: 'x', labels: { vehicle_id: 'truck-01' } },
      }),
    ).toBe('/fleet/truck-01');
    expect(
      reviewItemPath({ stream: 'anomaly', data: { metric: 'x', labels: { service: 'checkout' } } }),
    ).toBe('/services/checkout');
    expect(reviewItemPath({ stream: 'pipeline', data: { pipeline: 'signals' } })).toBe(
      '/pipeline?pipeline=signals',
    );
    expect(
      reviewItemPath({ stream: 'anomaly', data: { metric: 'x', labels: {} } }),
    ).toBeUndefined();
  });
});
