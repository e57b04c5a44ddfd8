import { useCallback, useEffect, useState } from 'react';
import type { ExportFormat, ExportJob, ExportOptions } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Modal } from '../../components/Modal';
import { formatDate } from '../../components/format';
import { useStore } from '../../state/store';
import { defaultOptions, FORMATS, formatBytes, formatLabel, isActive, newKey } from './exports';
import './exports.css';

/** What the menu exports: a board (every format) or a project (bundles). */
export type ExportScope = { kind: 'board'; id: string } | { kind: 'project'; id: string };

/**
 * The Export button and its dialog: the format with its options, then the
 * past exports of the board or project with their progress, expiry and
 * download links. Progress is read again every second while an export is
 * being made and the dialog is open.
 */
export function ExportMenu({ scope }: { scope: ExportScope }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="btn btn-small" data-testid="open-exports" onClick={() => setOpen(true)}>
        Export
      </button>
      {open && (
        <Modal title={scope.kind === 'board' ? 'Export this board' : 'Export this project'} onClose={() => setOpen(false)} testId="export-dialog">
          <ExportPanel scope={scope} />
        </Modal>
      )}
    </>
  );
}

function ExportPanel({ scope }: { scope: ExportScope }) {
  const { api } = useStore();
  const formats = scope.kind === 'board' ? FORMATS : FORMATS.filter((f) => f.format === 'bundle');
  const [format, setFormat] = useState<ExportFormat>(formats[0]!.format);
  const [options, setOptions] = useState<ExportOptions>(defaultOptions(formats[0]!.format));
  const [key, setKey] = useState(newKey);
  const [jobs, setJobs] = useState<ExportJob[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);

  const load = useCallback(
    () => (scope.kind === 'board' ? api.exports.listBoard(scope.id) : api.exports.listProject(scope.id)),
    [api, scope.kind, scope.id],
  );
  useEffect(() => {
    let live = true;
    load().then(
      (j) => live && setJobs(j),
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [load]);
  const active = jobs?.some(isActive) ?? false;
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => {
      load().then(setJobs, setError);
    }, 1000);
    return () => clearInterval(t);
  }, [active, load]);

  function choose(f: ExportFormat) {
    setFormat(f);
    setOptions(defaultOptions(f));
    setKey(newKey());
  }
  function set(o: ExportOptions) {
    setOptions((prev) => ({ ...prev, ...o }));
    setKey(newKey());
  }
  async function start() {
    setPending(true);
    setError(null);
    try {
      const j =
        scope.kind === 'board'
          ? await api.exports.exportBoard(scope.id, format, options, key)
          : await api.exports.exportProject(scope.id, options, key);
      setJobs((prev) => [j, ...(prev ?? []).filter((x) => x.id !== j.id)]);
      setKey(newKey());
    } catch (e) {
      setError(e);
    } finally {
      setPending(false);
    }
  }

  return (
    <div className="export-panel" data-testid="export-panel">
      <form
        className="export-form"
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <fieldset>
          <legend>Format</legend>
          {formats.map((f) => (
            <label key={f.format} className="export-format">
              <input type="radio" name="format" value={f.format} checked={format === f.format} onChange={() => choose(f.format)} />
              <span>
                <strong>{f.label}</strong>
                <span className="small muted"> {f.hint}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <FormatOptions format={format} options={options} onChange={set} />
        <ErrorBanner error={error} testId="export-error" />
        <button type="submit" className="btn btn-primary" data-testid="start-export" disabled={pending}>
          {pending ? 'Starting…' : `Export ${formatLabel(format)}`}
        </button>
      </form>
      <h3 className="section-title">Exports</h3>
      {jobs === null ? (
        <p className="muted">Loading…</p>
      ) : jobs.length === 0 ? (
        <p className="muted" data-testid="no-exports">
          No exports yet.
        </p>
      ) : (
        <ul className="export-list" data-testid="export-list">
          {jobs.map((j) => (
            <ExportRow key={j.id} job={j} />
          ))}
        </ul>
      )}
    </div>
  );
}

function ExportRow({ job: j }: { job: ExportJob }) {
  return (
    <li className="export-row" data-testid="export-row" data-format={j.format} data-state={j.state}>
      <div className="export-row-head">
        <strong>{formatLabel(j.format)}</strong>
        <span className="small muted">{formatDate(j.createdAt)}</span>
      </div>
      {isActive(j) && (
        <progress
          className="bar"
          data-testid="export-progress"
          max={100}
          value={Math.round(j.progress * 100)}
          aria-label={`${formatLabel(j.format)}: ${Math.round(j.progress * 100)}%`}
        />
      )}
      {j.state === 'succeeded' && j.url && (
        <div className="export-row-foot">
          <a className="btn btn-small" href={j.url} download={j.fileName} data-testid="export-download">
            Download {j.fileName}
          </a>
          <span className="small muted">
            {j.size !== undefined && formatBytes(j.size)}
            {j.expiresAt && ` · kept until ${formatDate(j.expiresAt)}`}
          </span>
        </div>
      )}
      {(j.state === 'failed' || j.state === 'canceled') && (
        <p className="small error-text" data-testid="export-failed">
          {j.error || 'The export failed.'}
        </p>
      )}
      {j.state === 'queued' && <span className="small muted">Waiting for a worker…</span>}
    </li>
  );
}

function FormatOptions({
  format,
  options,
  onChange,
}: {
  format: ExportFormat;
  options: ExportOptions;
  onChange: (o: ExportOptions) => void;
}) {
  if (format === 'mp4') {
    return (
      <div className="export-options">
        <label>
          Resolution
          <select
            data-testid="export-resolution"
            value={options.resolution}
            onChange={(e) => onChange({ resolution: e.target.value as ExportOptions['resolution'] })}
          >
            <option value="360p">360p (preview)</option>
            <option value="720p">720p</option>
            <option value="1080p">1080p</option>
          </select>
        </label>
        <FpsSelect options={options} onChange={onChange} />
        <label className="checkbox">
          <input type="checkbox" checked={!!options.burnIn} onChange={(e) => onChange({ burnIn: e.target.checked })} />
          Burn in shot numbers and titles
        </label>
      </div>
    );
  }
  if (format === 'pdf') {
    return (
      <div className="export-options">
        <label>
          Frames per row
          <select value={options.perRow} onChange={(e) => onChange({ perRow: Number(e.target.value) as ExportOptions['perRow'] })}>
            {[1, 2, 3, 4].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label>
          Orientation
          <select value={options.orientation} onChange={(e) => onChange({ orientation: e.target.value as ExportOptions['orientation'] })}>
            <option value="landscape">Landscape</option>
            <option value="portrait">Portrait</option>
          </select>
        </label>
        <label>
          Paper
          <select value={options.paper} onChange={(e) => onChange({ paper: e.target.value as ExportOptions['paper'] })}>
            <option value="A4">A4</option>
            <option value="Letter">Letter</option>
          </select>
        </label>
      </div>
    );
  }
  if (format === 'otio' || format === 'fcpxml') {
    return (
      <div className="export-options">
        <FpsSelect options={options} onChange={onChange} />
      </div>
    );
  }
  return null;
}

function FpsSelect({ options, onChange }: { options: ExportOptions; onChange: (o: ExportOptions) => void }) {
  return (
    <label>
      Frame rate
      <select value={options.fps} onChange={(e) => onChange({ fps: Number(e.target.value) as ExportOptions['fps'] })}>
        <option value={24}>24 fps</option>
        <option value={25}>25 fps</option>
        <option value={30}>30 fps</option>
      </select>
    </label>
  );
}
