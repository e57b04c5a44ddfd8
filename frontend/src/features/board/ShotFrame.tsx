import type { BoardMedia } from '../renders/useBoardMedia';
import { activeRender } from '../renders/useBoardMedia';
import { aspectCss, frameOf, type Frame } from './frames';

function percent(u: { sent: number; total: number }): number {
  return u.total > 0 ? Math.round((u.sent / u.total) * 100) : 0;
}

/**
 * A frame at an aspect ratio: a render's poster (playing while pointed at),
 * a picture, or a placeholder with the shot's number.
 */
export function FrameBox({ frame, number, aspectRatio, testId }: { frame: Frame; number: number; aspectRatio: string; testId: string }) {
  return (
    <div className="frame" data-testid={testId} data-frame={frame.kind} style={{ aspectRatio: aspectCss(aspectRatio) }}>
      {frame.kind === 'render' ? (
        <video
          className="frame-media"
          data-testid="card-player"
          // #t=0.1: the browser shows that moment as the poster.
          src={`${frame.url}#t=0.1`}
          muted
          loop
          playsInline
          preload="metadata"
          onMouseEnter={(e) => void e.currentTarget.play().catch(() => undefined)}
          onMouseLeave={(e) => e.currentTarget.pause()}
        />
      ) : frame.kind === 'image' ? (
        <img className="frame-media" data-testid="card-thumb" src={frame.thumbUrl} alt="" />
      ) : (
        <span className="frame-placeholder" aria-hidden="true">
          {number}
        </span>
      )}
    </div>
  );
}

/**
 * A shot's frame at the board's aspect ratio (see FrameBox), with uploads
 * and a running render as bars under it.
 */
export function ShotFrame({
  shotId,
  number,
  aspectRatio,
  media,
}: {
  shotId: string;
  number: number;
  aspectRatio: string;
  media: BoardMedia;
}) {
  const frame = frameOf(media.renders[shotId], media.assets[shotId], media.frames[shotId]);
  const active = activeRender(media.renders[shotId]);
  const uploads = media.uploads.filter((u) => u.shotId === shotId && !u.error);
  return (
    <div className="shot-frame-box">
      <FrameBox frame={frame} number={number} aspectRatio={aspectRatio} testId="shot-frame" />
      {uploads.map((u) => (
        <progress key={u.key} className="bar" data-testid="card-upload-progress" max={100} value={percent(u)} aria-label={`${u.name} uploading`} />
      ))}
      {active && (
        <progress className="bar bar-render" data-testid="card-render-progress" max={100} value={Math.round(active.progress * 100)} aria-label="Rendering" />
      )}
    </div>
  );
}
