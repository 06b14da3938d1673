/**
 * @module
 * The time-range picker: preset trailing windows (pushed live) and a custom from/to (static).
 */
import { useEffect, useRef, useState } from 'react';
import {
  PRESET_WINDOWS,
  parseDurationMs,
  parseLocalInput,
  resolveRange,
  type TimeRange,
  toLocalInput,
} from '../time/range.ts';

export function RangePicker(props: {
  readonly value: TimeRange;
  readonly onChange: (range: TimeRange) => void;
}): React.JSX.Element {
  const { value, onChange } = props;
  const [open, setOpen] = useState(false);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const boxRef = useRef<HTMLDivElement>(null);
  // The custom form closes on Escape or a click elsewhere, like any popover.
  useEffect(() => {
    if (!open) return undefined;
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') setOpen(false);
    };
    const onDown = (e: MouseEvent): void => {
      if (boxRef.current && !boxRef.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onDown);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onDown);
    };
  }, [open]);
  const fromMs = parseLocalInput(from);
  const toMs = parseLocalInput(to);
  const valid = fromMs !== undefined && toMs !== undefined && toMs > fromMs;

  const openCustom = (): void => {
    const r = resolveRange(value, Date.now());
    setFrom(toLocalInput(r.fromMs));
    setTo(toLocalInput(r.toMs));
    setOpen(!open);
  };

  return (
    <div className="range-picker" ref={boxRef}>
      <fieldset className="seg" aria-label="Time range">
        {PRESET_WINDOWS.map((w) => {
          const active = value.kind === 'relative' && value.windowMs === parseDurationMs(w);
          return (
            <button
              type="button"
              key={w}
              className={active ? 'is-active' : ''}
              aria-pressed={active}
              data-range={w}
              onClick={() => {
                setOpen(false);
                onChange({ kind: 'relative', windowMs: parseDurationMs(w) as number });
              }}
            >
              {w}
            </button>
          );
        })}
        <button
          type="button"
          className={value.kind === 'absolute' ? 'is-active' : ''}
          aria-pressed={value.kind === 'absolute'}
          aria-expanded={open}
          data-range="custom"
          onClick={openCustom}
        >
          Custom
        </button>
      </fieldset>
      {open ? (
        <form
          className="range-custom"
          onSubmit={(e) => {
            e.preventDefault();
            if (!valid) return;
            setOpen(false);
            onChange({ kind: 'absolute', fromMs, toMs });
          }}
        >
          <label>
            From
            <input
              type="datetime-local"
              value={from}
              onChange={(e) => setFrom(e.target.value)}
              name="from"
            />
          </label>
          <label>
            To
            <input
              type="datetime-local"
              value={to}
              onChange={(e) => setTo(e.target.value)}
              name="to"
            />
          </label>
          <button type="submit" className="primary" disabled={!valid}>
            Apply
          </button>
          {valid ? null : <span className="hint">“To” must be after “From”.</span>}
        </form>
      ) : null}
    </div>
  );
}
