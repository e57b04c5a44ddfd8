import { useEffect, useState } from 'react';
import type { Board, BoardAssets, Render } from '../../api/client';
import { aspectCss, frameOf, type Frame } from '../board/frames';
import { FrameBox } from '../board/ShotFrame';
import { useStore } from '../../state/store';

const SHOWN = 3;

/**
 * A board's first frames on its card in a project: each shot's frame as
 * on its card (chosen picture, render poster or first reference), else a numbered placeholder; a board without
 * shots shows one empty frame.
 */
export function BoardFrames({ board }: { board: Board }) {
  const { api } = useStore();
  const ids = (board.frameShotIds ?? []).slice(0, SHOWN);
  const [media, setMedia] = useState<{ assets: BoardAssets; renders: Record<string, Render[] | null> } | null>(null);
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
  const frames: Frame[] = ids.map((id) => frameOf(media?.renders[id] ?? undefined, media?.assets.shots[id], media?.assets.frames[id]));
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
