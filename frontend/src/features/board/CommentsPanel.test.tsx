import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Comment, Shot } from '../../sync/protocol';
import { CommentsPanel } from './CommentsPanel';
import { preferredColor, presentColors } from './presenceColors';

const shot = { id: 's1', title: 'Dawn' } as Shot;
const comment = (id: string, authorId: string): Comment => ({ id, shotId: 's1', authorId, body: `from ${authorId}`, resolved: false, createdSeq: 1 });

/** #rrggbb as the rgb() the browser reports. */
function rgb(hex: string): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgb(${n >> 16}, ${(n >> 8) & 255}, ${n & 255})`;
}

describe('comment avatars', () => {
  it('show initials in the author’s presence colour, or their stable colour when they are not on the board', () => {
    const colors = presentColors([
      { userId: 'u-ada', color: '#0090ff' },
      { userId: 'u-me', color: '#e5484d' },
    ]);
    const names = new Map([
      ['u-ada', 'Ada Lovelace'],
      ['u-bo', 'Bo Diddley'],
    ]);
    render(
      <CommentsPanel
        shot={shot}
        shotIndex={0}
        comments={[comment('c1', 'u-ada'), comment('c2', 'u-bo')]}
        store={null}
        rights={{ me: 'u-me', comment: false, resolveAny: false, moderate: false }}
        names={names}
        colors={colors}
      />,
    );
    const [ada, bo] = screen.getAllByTestId('comment-avatar');
    expect(ada!.textContent).toBe('AL');
    expect(ada!.style.background).toBe(rgb('#0090ff'));
    expect(bo!.textContent).toBe('BD');
    expect(bo!.style.background).toBe(rgb(preferredColor('u-bo')));
    expect(bo!.style.background).not.toBe('');
  });
});

describe('resolved threads', () => {
  it('are hidden and shown again with a toggle button, not a form control, so a read view holds none', async () => {
    const { default: userEvent } = await import('@testing-library/user-event');
    const resolved = { ...comment('c1', 'u-ada'), resolved: true };
    const { container } = render(
      <CommentsPanel
        shot={shot}
        shotIndex={0}
        comments={[resolved, comment('c2', 'u-bo')]}
        store={null}
        rights={{ me: 'u-me', comment: false, resolveAny: false, moderate: false }}
        names={new Map()}
      />,
    );
    expect(container.querySelectorAll('input, select, textarea')).toHaveLength(0);
    const toggle = screen.getByTestId('hide-resolved');
    expect(toggle).toHaveAttribute('aria-pressed', 'false');
    expect(screen.getByText('from u-ada')).toBeTruthy();
    await userEvent.setup().click(toggle);
    expect(toggle).toHaveAttribute('aria-pressed', 'true');
    expect(screen.queryByText('from u-ada')).toBeNull();
    expect(screen.getByText('from u-bo')).toBeTruthy();
  });
});
