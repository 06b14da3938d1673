/**
 * @module
 * The page's time range, read from and written to the URL (`?range=1h` or `?from=…&to=…`), so
 * reloading or sharing the address keeps it.
 */
import { useMemo } from 'react';
import { navigate, useLocation } from '../router.ts';
import { rangeFromParams, rangeToParams, type TimeRange } from '../time/range.ts';

export function useRange(): [TimeRange, (r: TimeRange) => void] {
  const { pathname, search } = useLocation();
  const range = useMemo(() => rangeFromParams(new URLSearchParams(search)), [search]);
  const setRange = (r: TimeRange): void => {
    const params = new URLSearchParams(search);
    rangeToParams(r, params);
    navigate(`${pathname}?${params.toString()}`);
  };
  return [range, setRange];
}

/** The query string that carries the range to another page (`?range=1h`). */
export function rangeSearch(range: TimeRange): string {
  const p = new URLSearchParams();
  rangeToParams(range, p);
  return `?${p.toString()}`;
}
