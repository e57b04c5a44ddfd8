import { useEffect, useState } from 'react';
import type { Asset, Board, Render } from '../../api/client';
import { aspectCss, frameOf, type Frame } from '../board/frames';
import { FrameBox } from '../board/ShotFrame';
import { useStore } from '../../state/store';

const SHOWN = 3;

/**
 * A board's first frames on its card in a project: each shot's render
 * poster or reference picture, else a numbered placeholder; a board without
 * shots shows one empty frame.
 */
export function BoardFrames({ board }: { board: Board }) {
  const { api } = useStore();
  const ids = (board.frameShotIds ?? []).slice(0, SHOWN);
  const [media, setMedia] = useState<{ assets: Record<string, Asset[] | null>; renders: Record<string, Render[] | null> } | null>(null);
  const key = ids.join();
  useEffect(() => {
    if (!key) return;
    let live = true;
    Promise.all([api.assets.list(board.id), api.renders.list(board.id)]).then(
      ([assets, renders]) => live && setMedia({ assets, renders }),
      () => undefined, // the placeholders stay: the board opens anyway
    );
    return () => {
      live = false;
    };
  }, [api, board.id, key]);
  const frames: Frame[] = ids.map((id) => frameOf(media?.renders[id] ?? undefined, media?.assets[id] ?? undefined));
  return (
    <div className="board-thumb" data-testid="board-frames">
      {frames.length === 0 ? (
        <div className="frame board-frame-empty" style={{ aspectRatio: aspectCss(board.aspectRatio) }}>
          <span className="muted small">No shots yet</span>
        </div>
      ) : (
        frames.map((f, i) => <FrameBox key={ids[i]} frame={f} number={i + 1} aspectRatio={board.aspectRatio} testId="board-frame" />)
      )}
    </div>
  );
}
