/**
 * @module
 * Dark or light: follows the system unless the user picks one (kept in localStorage). The
 * resolved theme is written to `<html data-theme>`, which styles.css keys its colours on; charts
 * subscribe to rebuild with the matching axis and grid colours.
 */
import { useSyncExternalStore } from 'react';

export type ThemePreference = 'auto' | 'dark' | 'light';
export type Theme = 'dark' | 'light';

const STORAGE_KEY = 'opsight.theme';
const listeners = new Set<() => void>();
const media =
  typeof window !== 'undefined' && typeof window.matchMedia === 'function'
    ? window.matchMedia('(prefers-color-scheme: light)')
    : undefined;

let preference: ThemePreference = readPreference();
let resolved: Theme = resolve();

function readPreference(): ThemePreference {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v === 'dark' || v === 'light' ? v : 'auto';
  } catch {
    // Storage can be disabled (privacy modes): follow the system.
    return 'auto';
  }
}

function resolve(): Theme {
  if (preference !== 'auto') return preference;
  return media?.matches ? 'light' : 'dark';
}

function apply(): void {
  resolved = resolve();
  document.documentElement.dataset.theme = resolved;
  for (const l of listeners) l();
}

export function initTheme(): void {
  apply();
  media?.addEventListener('change', apply);
}

export function setThemePreference(p: ThemePreference): void {
  preference = p;
  try {
    if (p === 'auto') localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, p);
  } catch {
    // Not persisted; the choice still holds for this page.
  }
  apply();
}

export function getThemePreference(): ThemePreference {
  return preference;
}

const subscribe = (l: () => void): (() => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

export function useTheme(): Theme {
  return useSyncExternalStore(subscribe, () => resolved);
}
