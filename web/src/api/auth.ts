/**
 * @module
 * The API key, for servers that require one (docs/api.md, "Authentication"). It is kept in
 * localStorage and sent as `X-API-Key` on fetches and as `?api_key=` on EventSource URLs (the
 * browser's EventSource cannot send headers). A 401 raises `keyNeeded`, which shows the key form.
 */
import { useSyncExternalStore } from 'react';

const STORAGE_KEY = 'opsight.apiKey';
const listeners = new Set<() => void>();
let keyNeeded = false;

export function getApiKey(): string | undefined {
  try {
    return localStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    // Storage disabled: no key can have been saved.
    return undefined;
  }
}

export function setApiKey(key: string): void {
  try {
    if (key === '') localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, key);
  } catch {
    // Storage disabled: the key cannot be kept; the form will ask again.
  }
}

/** Called by the client on a 401. */
export function reportUnauthorized(): void {
  if (keyNeeded) return;
  keyNeeded = true;
  for (const l of listeners) l();
}

export function useKeyNeeded(): boolean {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => keyNeeded,
  );
}

/** Adds `api_key` to a stream URL when a key is set. */
export function withKeyParam(url: string, key: string | undefined = getApiKey()): string {
  if (!key) return url;
  return `${url}${url.includes('?') ? '&' : '?'}api_key=${encodeURIComponent(key)}`;
}
