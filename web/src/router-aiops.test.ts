import { describe, expect, it } from 'vitest';
import { incidentPath, matchRoute, tracePath } from './router.ts';

describe('matchRoute: incidents, traces and the map', () => {
  it.each([
    { path: '/incidents', want: { page: 'incidents' } },
    { path: '/incidents/', want: { page: 'incidents' } },
    { path: '/incidents/inc-7', want: { page: 'incident', id: 'inc-7' } },
    { path: incidentPath('a/b c'), want: { page: 'incident', id: 'a/b c' } },
    { path: '/traces', want: { page: 'traces' } },
    {
      path: tracePath('0af7651916cd43dd8448eb211c80319c'),
      want: { page: 'trace', id: '0af7651916cd43dd8448eb211c80319c' },
    },
    { path: '/map', want: { page: 'map' } },
    { path: '/traces/%E0%A4%A', want: { page: 'not-found', path: '/traces/%E0%A4%A' } },
    { path: '/incidents/a/b', want: { page: 'not-found', path: '/incidents/a/b' } },
  ])('$path', ({ path, want }) => expect(matchRoute(path)).toEqual(want));
});
