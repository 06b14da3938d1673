import { describe, expect, it } from 'vitest';
import { matchRoute } from './router.ts';

describe('pipeline, fleet and review routes', () => {
  it('maps the paths to their pages', () => {
    expect(matchRoute('/pipeline')).toEqual({ page: 'pipeline' });
    expect(matchRoute('/fleet/')).toEqual({ page: 'fleet' });
    expect(matchRoute('/fleet/debug')).toEqual({ page: 'fleet-debug' });
    expect(matchRoute('/fleet/truck%2D07')).toEqual({ page: 'fleet-unit', id: 'truck-07' });
    expect(matchRoute('/review')).toEqual({ page: 'review' });
    expect(matchRoute('/fleet/%E0%A4%A')).toEqual({ page: 'not-found', path: '/fleet/%E0%A4%A' });
    expect(matchRoute('/fleet/a/b').page).toBe('not-found');
  });
});
