import { useEffect, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import type { Shot } from '../../sync/protocol';
import type { BoardMedia } from '../renders/useBoardMedia';
import { aspectCss, playedFrameOf } from './frames';
import { fasterRate, followClock, playerAction, shotIndexAt, type PlayheadClock } from './player';
import { formatTimecode } from './shotFields';
import { timelineLayout } from './timeline';

/** Whether a key press belongs to a field being typed in, not to the player. */
function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName);
}

/**
 * The animatic: the whole board played in order, each shot's render where
 * it has one, else its frame held for the shot's duration. The board is
 * read afresh on every change, so a shot someone moves or retimes while it
 * plays takes effect at once; the playhead is a time, not a shot.
 */
export function AnimaticPlayer({
  shots,
  media,
  aspectRatio,
  clock,
  onClose,
}: {
  shots: Shot[];
  media: BoardMedia;
  aspectRatio: string;
  clock: PlayheadClock;
  onClose: () => void;
}) {
  const layout = useMemo(() => timelineLayout(shots, 1), [shots]);
  const layoutRef = useRef(layout);
  layoutRef.current = layout;
  const [time, setTime] = useState(() => clock.time());
  const [playing, setPlaying] = useState(clock.playing);
  const [rate, setRate] = useState(clock.rate);
  const video = useRef<HTMLVideoElement>(null);
  const region = useRef<HTMLDivElement>(null);
  const index = shotIndexAt(layout, time);
  const shot = index >= 0 ? shots[index]! : null;
  const item = index >= 0 ? layout.items[index]! : null;
  const frame = shot ? playedFrameOf(media.renders[shot.id], media.assets[shot.id], media.frames[shot.id]) : null;
  const ended = !playing && layout.duration > 0 && time >= layout.duration;

  // Follow the clock: one animation frame at a time while playing, and
  // stop at the end of the board (which may move while it plays).
  useEffect(
    () =>
      followClock(clock, () => {
        let t = clock.time();
        const total = layoutRef.current.duration;
        if (clock.playing && t >= total) {
          // Pause first: each call re-enters this function, which must see it stopped.
          clock.pause();
          clock.seek(total);
          t = total;
        }
        setTime(t);
        setPlaying(clock.playing);
        setRate(clock.rate);
      }),
    [clock],
  );

  // A render plays in step with the playhead; past its end its last frame holds.
  useEffect(() => {
    const v = video.current;
    if (!v || !item) return;
    const want = time - item.start;
    const end = Number.isFinite(v.duration) ? v.duration : Infinity;
    if (Math.abs(v.currentTime - Math.min(want, end)) > 0.25) v.currentTime = Math.min(want, end);
    v.playbackRate = rate;
    if (playing && want < end && v.paused) void v.play().catch(() => undefined);
    if (!playing && !v.paused) v.pause();
  }, [time, item, playing, rate]);

  function act(action: ReturnType<typeof playerAction>) {
    const { items, duration } = layoutRef.current;
    const t = clock.time();
    const i = shotIndexAt(layoutRef.current, t);
    switch (action) {
      case 'toggle':
        if (clock.playing) clock.pause();
        else {
          if (t >= duration) clock.seek(0);
          clock.play(1);
        }
        break;
      case 'pause':
        clock.pause();
        break;
      case 'forward':
        if (t >= duration) clock.seek(0);
        clock.play(clock.playing ? fasterRate(clock.rate) : 1);
        break;
      case 'back':
        clock.seek(Math.max(0, t - 1));
        break;
      case 'previous': {
        // Back to this shot's start, or to the previous shot from there.
        const start = items[i]?.start ?? 0;
        clock.seek(t - start > 0.5 || i <= 0 ? start : items[i - 1]!.start);
        break;
      }
      case 'next':
        clock.seek(i >= 0 && i < items.length - 1 ? items[i + 1]!.start : duration);
        break;
      case 'start':
        clock.seek(0);
        break;
      case 'end':
        clock.seek(duration);
        break;
      case 'close':
        clock.pause();
        onClose();
        break;
    }
  }
  const actRef = useRef(act);
  actRef.current = act;

  // The player's keys work anywhere on the page, except while typing.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      // A focused shot card takes its own Enter and Space first.
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || typing(e.target)) return;
      const a = playerAction(e.key);
      if (!a) return;
      // Space on a focused button would press it as well: the player's key wins.
      e.preventDefault();
      actRef.current(a);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    region.current?.focus();
  }, []);

  function scrubTo(e: ReactPointerEvent<HTMLDivElement>) {
    const r = e.currentTarget.getBoundingClientRect();
    const x = Math.max(0, Math.min(r.width, e.clientX - r.left));
    clock.seek(r.width > 0 ? (x / r.width) * layoutRef.current.duration : 0);
  }

  const total = layout.duration;
  const fraction = total > 0 ? Math.min(1, time / total) : 0;
  return (
    <section
      ref={region}
      className="player"
      data-testid="player"
      aria-label="Animatic player"
      aria-keyshortcuts="Space J K L ArrowLeft ArrowRight Home End Escape"
      tabIndex={-1}
    >
      <div
        className="player-stage"
        data-testid="player-stage"
        data-shot-index={index}
        data-shot-id={shot?.id ?? ''}
        data-frame={frame?.kind ?? 'none'}
        style={{ aspectRatio: aspectCss(aspectRatio) }}
      >
        {frame?.kind === 'render' ? (
          <video key={shot!.id} ref={video} className="player-media" data-testid="player-video" src={frame.url} muted playsInline preload="auto" />
        ) : frame?.kind === 'image' ? (
          <img key={shot!.id} className="player-media" data-testid="player-image" src={frame.url} alt={`Frame of shot ${index + 1}`} />
        ) : shot ? (
          <div className="player-card" data-testid="player-placeholder">
            <span className="player-card-number">{index + 1}</span>
            <span className="player-card-title">{shot.title || `Shot ${index + 1}`}</span>
          </div>
        ) : (
          <div className="player-card">No shots to play.</div>
        )}
        {shot && (
          <div className="player-overlay" data-testid="player-overlay" aria-live="polite">
            <span className="player-overlay-number">{index + 1}</span> {shot.title || `Shot ${index + 1}`}
          </div>
        )}
      </div>

      <div
        className="player-scrub"
        data-testid="player-scrub"
        role="slider"
        tabIndex={0}
        aria-label="Playhead"
        aria-valuemin={0}
        aria-valuemax={Math.round(total * 10) / 10}
        aria-valuenow={Math.round(time * 10) / 10}
        aria-valuetext={`${formatTimecode(time)} of ${formatTimecode(total)}, shot ${index + 1}`}
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId);
          scrubTo(e);
        }}
        onPointerMove={(e) => {
          if (e.currentTarget.hasPointerCapture(e.pointerId)) scrubTo(e);
        }}
      >
        {layout.items.map((it, i) => (
          <span
            key={it.id}
            className={`player-segment${i === index ? ' player-segment-current' : ''}`}
            style={{ flexGrow: it.end - it.start }}
            title={shots[i]!.title || `Shot ${i + 1}`}
          >
            {i + 1}
          </span>
        ))}
        <span className="player-playhead" data-testid="player-playhead" data-time={time.toFixed(3)} style={{ left: `${fraction * 100}%` }} />
      </div>

      <div className="player-controls">
        <button type="button" className="btn btn-small" aria-label="Previous shot" aria-keyshortcuts="ArrowLeft" onClick={() => act('previous')}>
          ⏮
        </button>
        <button
          type="button"
          className="btn btn-small btn-primary player-toggle"
          data-testid="player-toggle"
          data-playing={playing}
          aria-keyshortcuts="Space"
          onClick={() => act('toggle')}
        >
          {playing ? 'Pause' : ended ? 'Replay' : 'Play'}
        </button>
        <button type="button" className="btn btn-small" aria-label="Next shot" aria-keyshortcuts="ArrowRight" onClick={() => act('next')}>
          ⏭
        </button>
        <span className="player-time" data-testid="player-time">
          {formatTimecode(time)} / {formatTimecode(total)}
          {rate !== 1 && ` · ${rate}×`}
        </span>
        <span className="player-keys muted small">Space play · ←/→ shots · J/K/L</span>
        <button type="button" className="btn btn-small player-close" data-testid="player-close" onClick={() => act('close')}>
          Close player
        </button>
      </div>
    </section>
  );
}
