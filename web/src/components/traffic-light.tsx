/**
 * @module
 * A service's traffic light: colour, a distinct glyph and a word, so the state reads without
 * colour vision. The rules behind the colour are in docs/kpis.md and docs/dashboard.md.
 */
import type { Light } from '../../../src/contract/index.ts';

export const LIGHT_TEXT: Record<Light, string> = {
  green: 'Healthy',
  orange: 'Degraded',
  red: 'Failing',
  grey: 'No data',
};

const GLYPH: Record<Light, string> = { green: '✓', orange: '!', red: '✕', grey: '?' };

export function TrafficLight(props: {
  readonly light: Light;
  readonly reasons?: readonly string[];
  readonly size?: 'small' | 'large';
}): React.JSX.Element {
  const { light, reasons = [] } = props;
  const title = reasons.length > 0 ? reasons.join('\n') : LIGHT_TEXT[light];
  return (
    <span
      className={`light light-${light} light-${props.size ?? 'small'}`}
      title={title}
      data-light={light}
    >
      <span className="light-dot" aria-hidden="true">
        {GLYPH[light]}
      </span>
      <span className="light-text">{LIGHT_TEXT[light]}</span>
    </span>
  );
}
