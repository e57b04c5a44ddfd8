import { useState } from 'react';
import { Link } from 'react-router';
import type { ImportProgress, ImportReport } from '../../api/client';
import { importBundle } from '../../api/upload';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Modal } from '../../components/Modal';
import { useStore } from '../../state/store';
import { formatBytes } from './exports';
import './exports.css';

/**
 * Import of a project bundle (ZIP) into a workspace, as a new project: the
 * upload's progress (the bundle goes up in parts), then the server's
 * (reading, checking, storing), then a report of what was imported. The server checks
 * the whole bundle and imports nothing of a bundle it refuses.
 */
export function ImportBundle({ workspaceId }: { workspaceId: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="btn btn-small" data-testid="open-import" onClick={() => setOpen(true)}>
        Import bundle
      </button>
      {open && (
        <Modal title="Import a project bundle" onClose={() => setOpen(false)} testId="import-dialog">
          <ImportPanel workspaceId={workspaceId} />
        </Modal>
      )}
    </>
  );
}

/** What the import dialog says of the server's progress, and the bar's value and maximum. */
export function describeImport(p: ImportProgress): { text: string; value?: number; max?: number } {
  switch (p.phase) {
    case 'receiving':
      return { text: `Reading the uploaded bundle: ${formatBytes(p.done)} of ${formatBytes(p.total)}…`, value: p.done, max: p.total || undefined };
    case 'checking':
      return { text: 'Checking the bundle…' };
    case 'storing':
      return {
        text: `Storing files: ${p.files} of ${p.filesTotal} (${formatBytes(p.done)} of ${formatBytes(p.total)})…`,
        value: p.done,
        max: p.total || undefined,
      };
  }
}

function ImportPanel({ workspaceId }: { workspaceId: string }) {
  const { api } = useStore();
  const [file, setFile] = useState<File | null>(null);
  const [sent, setSent] = useState<number | null>(null);
  const [server, setServer] = useState<ImportProgress | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function run() {
    if (!file) return;
    setError(null);
    setReport(null);
    setServer(null);
    setSent(0);
    try {
      setReport(await importBundle(api, workspaceId, file, (n) => setSent(n), undefined, setServer));
    } catch (e) {
      setError(e);
    } finally {
      setSent(null);
      setServer(null);
    }
  }
  // Once the upload is sent, the server's progress (checking, storing)
  // says what happens; before, the browser's count of bytes sent is the
  // finer one.
  const serverStep = server && sent !== null && file && (sent >= file.size || server.phase !== 'receiving') ? describeImport(server) : null;

  return (
    <div className="import-panel">
      <p className="small muted">
        A bundle exported from Shotline (here or on another server) becomes a new project in this workspace, with its boards, shots,
        comments, review status, reference files and renders.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <input
          type="file"
          accept=".zip,application/zip"
          data-testid="import-file"
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          disabled={sent !== null}
        />
        <button type="submit" className="btn btn-primary" data-testid="start-import" disabled={!file || sent !== null}>
          Import
        </button>
      </form>
      {sent !== null && file && !serverStep && (
        <div>
          <progress className="bar" data-testid="import-progress" max={file.size} value={sent} />
          <p className="small muted" data-testid="import-step">
            {sent < file.size ? `Uploading ${formatBytes(sent)} of ${formatBytes(file.size)}…` : 'Checking and importing…'}
          </p>
        </div>
      )}
      {serverStep && (
        <div>
          {serverStep.max ? (
            <progress className="bar" data-testid="import-progress" max={serverStep.max} value={serverStep.value} />
          ) : (
            <progress className="bar" data-testid="import-progress" />
          )}
          <p className="small muted" data-testid="import-step">
            {serverStep.text}
          </p>
        </div>
      )}
      <ErrorBanner error={error} testId="import-error" />
      {report && (
        <div className="import-report" data-testid="import-report">
          <p>
            Imported <Link to={`/p/${report.projectId}`}>{report.projectName}</Link>: {report.files} files, {formatBytes(report.bytes)}.
          </p>
          <ul>
            {report.boards.map((b) => (
              <li key={b.id}>
                <Link to={`/b/${b.id}`}>{b.title}</Link>: {b.shots} shots, {b.comments} comments, {b.assets} reference files,{' '}
                {b.renders} renders
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
