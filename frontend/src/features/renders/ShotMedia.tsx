import { useRef, useState, type DragEvent } from 'react';
import { errorMessage, type Asset, type Render } from '../../api/client';
import { formatDate } from '../../components/format';
import { wordDiff } from './diff';
import { latestVideo, type BoardMedia, type UploadState } from './useBoardMedia';

const ACCEPT = 'image/png,image/jpeg,image/webp,video/mp4,video/quicktime,video/webm';

function percent(u: { sent: number; total: number }): number {
  return u.total > 0 ? Math.round((u.sent / u.total) * 100) : 0;
}

/** Whether a drag carries files (not a shot being reordered). */
export function hasFiles(e: DragEvent): boolean {
  return Array.from(e.dataTransfer.types).includes('Files');
}

function UploadRow({ u, onDismiss }: { u: UploadState; onDismiss: () => void }) {
  return (
    <li className="upload-row" data-testid="upload-row">
      <span className="upload-name">{u.name}</span>
      {u.error ? (
        <>
          <span className="upload-error" role="alert" data-testid="upload-error">
            {u.error}
          </span>
          <button type="button" className="btn-icon" aria-label={`Dismiss ${u.name}`} onClick={onDismiss}>
            ×
          </button>
        </>
      ) : (
        <progress className="bar" data-testid="upload-progress" max={100} value={percent(u)} aria-label={`${u.name} uploading`} />
      )}
    </li>
  );
}

function AssetTile({
  a,
  canEdit,
  isFrame,
  onRemove,
  onFrame,
}: {
  a: Asset;
  canEdit: boolean;
  isFrame: boolean;
  onRemove: () => void;
  onFrame: (chosen: boolean) => void;
}) {
  return (
    <li className={`asset-tile${isFrame ? ' asset-tile-frame' : ''}`} data-testid="asset-tile" data-kind={a.kind} data-frame={isFrame || undefined}>
      {a.thumbUrl ? <img src={a.thumbUrl} alt={a.name} data-testid="asset-thumb" /> : <span className="muted">{a.name}</span>}
      <span className="asset-kind">{a.kind === 'clip' ? '▶' : ''}</span>
      {isFrame && !canEdit && <span className="asset-frame-badge">Frame</span>}
      {canEdit && a.thumbUrl && (
        // A toggle: pressed, this picture is the shot's frame; unpressed again, the frame is automatic.
        <button
          type="button"
          className="btn btn-small asset-frame-toggle"
          aria-pressed={isFrame}
          aria-label={`Use ${a.name} as the shot's frame`}
          data-testid="asset-frame-toggle"
          onClick={() => onFrame(!isFrame)}
        >
          {isFrame ? 'Frame ✓' : 'Use as frame'}
        </button>
      )}
      {canEdit && (
        <button type="button" className="btn-icon asset-remove" aria-label={`Remove ${a.name}`} onClick={onRemove}>
          ×
        </button>
      )}
    </li>
  );
}

/** Old and new prompt next to each other, the words that changed marked. */
function PromptDiff({ older, newer }: { older: Render; newer: Render }) {
  const parts = wordDiff(older.prompt, newer.prompt);
  return (
    <div className="prompt-diff" data-testid="prompt-diff">
      <div className="prompt-diff-side">
        <div className="muted">Earlier · {formatDate(older.createdAt)}</div>
        <p data-testid="prompt-diff-old">
          {parts
            .filter((p) => p.kind !== 'added')
            .map((p, i) => (p.kind === 'removed' ? <del key={i}>{p.text}</del> : <span key={i}>{p.text}</span>))}
        </p>
      </div>
      <div className="prompt-diff-side">
        <div className="muted">Later · {formatDate(newer.createdAt)}</div>
        <p data-testid="prompt-diff-new">
          {parts
            .filter((p) => p.kind !== 'removed')
            .map((p, i) => (p.kind === 'added' ? <ins key={i}>{p.text}</ins> : <span key={i}>{p.text}</span>))}
        </p>
      </div>
      {(older.provider !== newer.provider || older.model !== newer.model || older.settings !== newer.settings || older.duration !== newer.duration) && (
        <p className="muted">
          Settings: {older.provider} {older.model} {older.duration}s {older.settings} → {newer.provider} {newer.model} {newer.duration}s {newer.settings}
        </p>
      )}
    </div>
  );
}

const STATE_LABEL: Record<Render['state'], string> = {
  queued: 'Queued',
  running: 'Rendering',
  succeeded: 'Done',
  failed: 'Failed',
  canceled: 'Canceled',
};

/**
 * The inspector's media for one shot: a drop target for reference files,
 * the files, the Render button (a policy refusal shows here, by the
 * prompt), the latest render playing, and every render with its prompt,
 * two of them compared side by side.
 */
export function ShotMediaPanel({
  shotId,
  media,
  canUpload,
  canRender,
  onRender,
}: {
  shotId: string;
  media: BoardMedia;
  canUpload: boolean;
  canRender: boolean;
  onRender: () => Promise<void>;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const [renderError, setRenderError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [compareWith, setCompareWith] = useState<string | null>(null);
  const renders = media.renders[shotId] ?? [];
  const assets = media.assets[shotId] ?? [];
  const video = latestVideo(renders);
  const newest = renders[0];
  const older = renders.find((r) => r.id === compareWith) ?? renders[1];

  function onDrop(e: DragEvent) {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.stopPropagation();
    setOver(false);
    media.upload(shotId, Array.from(e.dataTransfer.files));
  }

  return (
    <section className="shot-media" data-testid="shot-media" aria-label="References and renders">
      {canUpload && (
        <div
          className={`upload-target${over ? ' upload-target-over' : ''}`}
          data-testid="upload-target"
          onDragOver={(e) => {
            if (!hasFiles(e)) return;
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={onDrop}
        >
          <span>Drop reference images or clips here, or</span>
          <button type="button" className="btn btn-small" onClick={() => input.current?.click()}>
            Choose files
          </button>
          <input
            ref={input}
            type="file"
            multiple
            hidden
            accept={ACCEPT}
            data-testid="upload-input"
            onChange={(e) => {
              media.upload(shotId, Array.from(e.target.files ?? []));
              e.target.value = '';
            }}
          />
          <span className="muted">PNG, JPEG, WebP images; MP4, MOV, WebM clips.</span>
        </div>
      )}
      {media.uploads.some((u) => u.shotId === shotId) && (
        <ul className="upload-list">
          {media.uploads
            .filter((u) => u.shotId === shotId)
            .map((u) => (
              <UploadRow key={u.key} u={u} onDismiss={() => media.dismissUpload(u.key)} />
            ))}
        </ul>
      )}
      {assets.length > 0 && (
        <ul className="asset-grid" data-testid="asset-grid">
          {assets.map((a) => (
            <AssetTile
              key={a.id}
              a={a}
              canEdit={canUpload}
              isFrame={media.frames[shotId] === a.id}
              onRemove={() => media.detach(shotId, a.id).catch((e) => setRenderError(errorMessage(e)))}
              onFrame={(chosen) => media.chooseFrame(shotId, chosen ? a.id : null).catch((e) => setRenderError(errorMessage(e)))}
            />
          ))}
        </ul>
      )}

      {canRender && (
        <div className="render-actions">
          <button
            type="button"
            className="btn btn-primary"
            data-testid="render-shot"
            disabled={pending}
            onClick={async () => {
              setPending(true);
              setRenderError(null);
              try {
                await onRender();
              } catch (e) {
                setRenderError(errorMessage(e));
              } finally {
                setPending(false);
              }
            }}
          >
            Render
          </button>
          {renderError && (
            <p className="render-error" role="alert" data-testid="render-error">
              {renderError}
            </p>
          )}
        </div>
      )}

      {video && (
        <video className="inspector-player" data-testid="inspector-player" src={video.url} controls playsInline preload="metadata" />
      )}

      {renders.length > 0 && (
        <div className="render-history">
          <h3>Renders</h3>
          <ol>
            {renders.map((r) => (
              <li key={r.id} className="render-history-item" data-testid="render-history-item" data-state={r.state}>
                <button
                  type="button"
                  className={`link-button${older?.id === r.id && r.id !== newest?.id ? ' render-compared' : ''}`}
                  onClick={() => setCompareWith(r.id)}
                  disabled={r.id === newest?.id}
                  title="Compare with the newest render"
                >
                  <span className={`badge render-state render-state-${r.state}`}>{STATE_LABEL[r.state]}</span> {formatDate(r.createdAt)} · {r.provider}
                  {r.model && ` ${r.model}`} · {r.duration}s {r.aspectRatio}
                </button>
                <div className="render-prompt" data-testid="render-prompt">
                  {r.prompt}
                </div>
                {r.error && <div className="render-error">{r.error}</div>}
                {r.expiresAt && (
                  <div className="muted" data-testid="render-expires">
                    Expires {formatDate(r.expiresAt)}
                  </div>
                )}
              </li>
            ))}
          </ol>
          {newest && older && older.id !== newest.id && <PromptDiff older={older} newer={newest} />}
        </div>
      )}
    </section>
  );
}
