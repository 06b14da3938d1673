/**
 * @module
 * Header badge for server push: `live` while every open stream delivers, `reconnecting` while
 * any is down (the browser and LiveStream retry by themselves).
 */
import { useSyncExternalStore } from 'react';
import { type ConnectionSummary, connection } from '../api/live.ts';

const TEXT: Record<ConnectionSummary, string> = {
  idle: 'static',
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
};

const HINT: Record<ConnectionSummary, string> = {
  idle: 'Nothing is streaming on this page (a fixed time range)',
  connecting: 'Opening the live streams',
  live: 'Receiving server push updates',
  reconnecting: 'Lost the connection to the server; retrying',
};

export function ConnectionIndicator(): React.JSX.Element {
  const state = useSyncExternalStore(connection.subscribe, connection.getSummary);
  return (
    <span className={`conn conn-${state}`} data-connection={state} title={HINT[state]}>
      <span className="conn-dot" aria-hidden="true" />
      {TEXT[state]}
    </span>
  );
}
