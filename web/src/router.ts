/**
 * @module
 * A tiny History API router: the path picks the page, the query string holds the page's state
 * (time range, explore query) so every view is a shareable URL. The server answers every client
 * route with index.html (SPA fallback).
 */
import { useSyncExternalStore } from 'react';

export type Route =
  | { readonly page: 'overview' }
  | { readonly page: 'service'; readonly id: string }
  | { readonly page: 'explore' }
  | { readonly page: 'slos' }
  | { readonly page: 'alerts' }
  | { readonly page: 'incidents' }
  | { readonly page: 'incident'; readonly id: string }
  | { readonly page: 'traces' }
  | { readonly page: 'trace'; readonly id: string }
  | { readonly page: 'map' }
  | { readonly page: 'pipeline' }
  | { readonly page: 'fleet' }
  | { readonly page: 'fleet-debug' }
  | { readonly page: 'fleet-unit'; readonly id: string }
  | { readonly page: 'review' }
  | { readonly page: 'not-found'; readonly path: string };

/** Maps a pathname to a page. @example matchRoute('/services/checkout') */
export function matchRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/' || path === '/overview') return { page: 'overview' };
  if (path === '/explore') return { page: 'explore' };
  if (path === '/slos') return { page: 'slos' };
  if (path === '/alerts') return { page: 'alerts' };
  if (path === '/incidents') return { page: 'incidents' };
  if (path === '/traces') return { page: 'traces' };
  if (path === '/map') return { page: 'map' };
  if (path === '/pipeline') return { page: 'pipeline' };
  if (path === '/fleet') return { page: 'fleet' };
  if (path === '/fleet/debug') return { page: 'fleet-debug' };
  if (path === '/review') return { page: 'review' };
  const unit = /^\/fleet\/([^/]+)$/.exec(path);
  if (unit) {
    try {
      return { page: 'fleet-unit', id: decodeURIComponent(unit[1] as string) };
    } catch {
      return { page: 'not-found', path };
    }
  }
  const detail = /^\/(incidents|traces)\/([^/]+)$/.exec(path);
  if (detail) {
    try {
      const id = decodeURIComponent(detail[2] as string);
      return detail[1] === 'incidents' ? { page: 'incident', id } : { page: 'trace', id };
    } catch {
      // A malformed escape names no incident or trace.
      return { page: 'not-found', path };
    }
  }
  const m = /^\/services\/([^/]+)$/.exec(path);
  if (m) {
    try {
      return { page: 'service', id: decodeURIComponent(m[1] as string) };
    } catch {
      // A malformed escape (`%E0%A4%A`) is not a service anyone has.
      return { page: 'not-found', path };
    }
  }
  return { page: 'not-found', path };
}

export function servicePath(id: string): string {
  return `/services/${encodeURIComponent(id)}`;
}

export function incidentPath(id: string): string {
  return `/incidents/${encodeURIComponent(id)}`;
}

export function tracePath(traceId: string): string {
  return `/traces/${encodeURIComponent(traceId)}`;
}

const listeners = new Set<() => void>();
let snapshot = currentLocation();

function currentLocation(): string {
  // Unit tests import this module in Node, where there is no window.
  if (typeof window === 'undefined') return '/';
  return `${window.location.pathname}${window.location.search}`;
}

function notify(): void {
  const next = currentLocation();
  if (next === snapshot) return;
  snapshot = next;
  for (const l of listeners) l();
}

if (typeof window !== 'undefined') window.addEventListener('popstate', notify);

/** Goes to `url` (path + query). `replace` edits the current history entry instead of adding one. */
export function navigate(url: string, options: { replace?: boolean } = {}): void {
  if (url === currentLocation()) return;
  if (options.replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  notify();
}

/** Path + query of the current location, re-rendering on every navigation. */
export function useLocation(): { pathname: string; search: string } {
  const loc = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => snapshot,
  );
  const q = loc.indexOf('?');
  return q < 0
    ? { pathname: loc, search: '' }
    : { pathname: loc.slice(0, q), search: loc.slice(q) };
}

/**
 * Click handler for in-app links: plain left clicks navigate in place; modified clicks
 * (new tab, new window) keep the browser's behaviour.
 */
export function onLinkClick(e: React.MouseEvent<HTMLAnchorElement>): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) {
    return;
  }
  const href = e.currentTarget.getAttribute('href');
  if (!href?.startsWith('/')) return;
  e.preventDefault();
  navigate(href);
}
