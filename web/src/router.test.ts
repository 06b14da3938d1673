import { describe, expect, it } from 'vitest';
import { matchRoute, servicePath } from './router.ts';

describe('matchRoute', () => {
  it.each([
    { path: '/', want: { page: 'overview' } },
    { path: '/overview', want: { page: 'overview' } },
    { path: '/explore/', want: { page: 'explore' } },
    { path: '/slos', want: { page: 'slos' } },
    { path: '/alerts/', want: { page: 'alerts' } },
    { path: '/services/checkout', want: { page: 'service', id: 'checkout' } },
    { path: servicePath('a b/c'), want: { page: 'service', id: 'a b/c' } },
    { path: '/services/%E0%A4%A', want: { page: 'not-found', path: '/services/%E0%A4%A' } },
    { path: '/nope', want: { page: 'not-found', path: '/nope' } },
  ])('$path', ({ path, want }) => expect(matchRoute(path)).toEqual(want));
});
