/**
 * @module
 * The shell: header (brand, navigation, connection state, theme) and the routed page.
 */
import { useState } from 'react';
import { setApiKey, useKeyNeeded } from './api/auth.ts';
import { ConnectionIndicator } from './components/connection-indicator.tsx';
import './aiops.css';
import { AlertsPage } from './pages/alerts.tsx';
import { ExplorePage } from './pages/explore.tsx';
import { FleetPage } from './pages/fleet.tsx';
import { FleetDebugPage } from './pages/fleet-debug.tsx';
import { FleetUnitPage } from './pages/fleet-unit.tsx';
import { IncidentPage } from './pages/incident.tsx';
import { IncidentsPage } from './pages/incidents.tsx';
import { OverviewPage } from './pages/overview.tsx';
import { PipelinePage } from './pages/pipeline.tsx';
import { ReviewPage } from './pages/review.tsx';
import { ServicePage } from './pages/service.tsx';
import { ServiceMapPage } from './pages/service-map.tsx';
import { SlosPage } from './pages/slos.tsx';
import { TracePage } from './pages/trace.tsx';
import { TracesPage } from './pages/traces.tsx';
import { matchRoute, onLinkClick, useLocation } from './router.ts';
import { getThemePreference, setThemePreference, type ThemePreference } from './theme.ts';

const NEXT_THEME: Record<ThemePreference, ThemePreference> = {
  auto: 'dark',
  dark: 'light',
  light: 'auto',
};

export function App(): React.JSX.Element {
  const { pathname, search } = useLocation();
  const route = matchRoute(pathname);
  // Carry the time range between pages; explore keeps its own full state.
  const params = new URLSearchParams(search);
  const carry = new URLSearchParams();
  for (const k of ['range', 'from', 'to']) {
    const v = params.get(k);
    if (v !== null) carry.set(k, v);
  }
  const q = carry.toString() === '' ? '' : `?${carry.toString()}`;

  return (
    <>
      <header className="topbar">
        <a className="brand" href={`/${q}`} onClick={onLinkClick}>
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
            <circle cx="12" cy="12" r="10" fill="none" stroke="currentColor" strokeWidth="2" />
            <path d="M5 13h4l2-5 3 9 2-4h3" fill="none" stroke="currentColor" strokeWidth="2" />
          </svg>
          opsight
        </a>
        <nav className="nav">
          <a
            href={`/${q}`}
            onClick={onLinkClick}
            className={route.page === 'overview' || route.page === 'service' ? 'is-active' : ''}
          >
            Overview
          </a>
          <a
            href={`/explore${q}`}
            onClick={onLinkClick}
            className={route.page === 'explore' ? 'is-active' : ''}
          >
            Explore
          </a>
          <a
            href={`/slos${q}`}
            onClick={onLinkClick}
            className={route.page === 'slos' ? 'is-active' : ''}
          >
            SLOs
          </a>
          <a
            href={`/alerts${q}`}
            onClick={onLinkClick}
            className={route.page === 'alerts' ? 'is-active' : ''}
          >
            Alerts
          </a>
          <a
            href="/incidents"
            onClick={onLinkClick}
            className={route.page === 'incidents' || route.page === 'incident' ? 'is-active' : ''}
          >
            Incidents
          </a>
          <a
            href={`/traces${q}`}
            onClick={onLinkClick}
            className={route.page === 'traces' || route.page === 'trace' ? 'is-active' : ''}
          >
            Traces
          </a>
          <a href="/map" onClick={onLinkClick} className={route.page === 'map' ? 'is-active' : ''}>
            Map
          </a>
          <a
            href={`/pipeline${q}`}
            onClick={onLinkClick}
            className={route.page === 'pipeline' ? 'is-active' : ''}
          >
            Pipeline
          </a>
          <a
            href="/fleet"
            onClick={onLinkClick}
            className={
              route.page === 'fleet' || route.page === 'fleet-unit' || route.page === 'fleet-debug'
                ? 'is-active'
                : ''
            }
          >
            Fleet
          </a>
          <a
            href="/review"
            onClick={onLinkClick}
            className={route.page === 'review' ? 'is-active' : ''}
          >
            Review
          </a>
        </nav>
        <div className="topbar-end">
          <ConnectionIndicator />
          <ThemeButton />
        </div>
      </header>
      <ApiKeyForm />
      {route.page === 'overview' ? <OverviewPage /> : null}
      {route.page === 'service' ? <ServicePage key={route.id} id={route.id} /> : null}
      {route.page === 'explore' ? <ExplorePage /> : null}
      {route.page === 'slos' ? <SlosPage /> : null}
      {route.page === 'alerts' ? <AlertsPage /> : null}
      {route.page === 'incidents' ? <IncidentsPage /> : null}
      {route.page === 'incident' ? <IncidentPage key={route.id} id={route.id} /> : null}
      {route.page === 'traces' ? <TracesPage /> : null}
      {route.page === 'trace' ? <TracePage key={route.id} traceId={route.id} /> : null}
      {route.page === 'map' ? <ServiceMapPage /> : null}
      {route.page === 'pipeline' ? <PipelinePage /> : null}
      {route.page === 'fleet' ? <FleetPage /> : null}
      {route.page === 'fleet-unit' ? <FleetUnitPage key={route.id} id={route.id} /> : null}
      {route.page === 'fleet-debug' ? <FleetDebugPage /> : null}
      {route.page === 'review' ? <ReviewPage /> : null}
      {route.page === 'not-found' ? (
        <main className="page">
          <h1>Not found</h1>
          <p>
            Nothing lives at <code>{route.path}</code>.{' '}
            <a href="/" onClick={onLinkClick}>
              Back to the overview
            </a>
          </p>
        </main>
      ) : null}
    </>
  );
}

function ThemeButton(): React.JSX.Element {
  const [pref, setPref] = useState(getThemePreference());
  return (
    <button
      type="button"
      className="ghost theme-button"
      title="Theme: follows the system (auto), or pick dark or light"
      onClick={() => {
        const next = NEXT_THEME[pref];
        setThemePreference(next);
        setPref(next);
      }}
    >
      {pref === 'auto' ? '◐ auto' : pref === 'dark' ? '● dark' : '○ light'}
    </button>
  );
}

/** Shown after a 401: the server wants an API key (docs/api.md, "Authentication"). */
function ApiKeyForm(): React.JSX.Element | null {
  const needed = useKeyNeeded();
  const [key, setKey] = useState('');
  if (!needed) return null;
  return (
    <form
      className="banner banner-error key-form"
      onSubmit={(e) => {
        e.preventDefault();
        setApiKey(key.trim());
        // Every stream and fetch must start over with the key: a reload is the simple, sure way.
        window.location.reload();
      }}
    >
      <span>This server needs an API key (read scope) to show data.</span>
      <input
        type="password"
        name="api-key"
        autoComplete="off"
        placeholder="API key"
        value={key}
        onChange={(e) => setKey(e.target.value)}
      />
      <button type="submit" className="primary">
        Use key
      </button>
    </form>
  );
}
