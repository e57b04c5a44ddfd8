import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/client';
import type { BoardSnapshot, Shot } from '../../sync/protocol';
import { mentionToken, showMentions } from '../board/CommentsPanel';
import { matchesReview, reviewSummary } from './Review';
import { linkProblem } from './SharePage';

const shot = (id: string, review?: Shot['review']): Shot => ({
  id,
  position: id,
  title: '',
  prompt: '',
  notes: '',
  duration: 3,
  aspectRatio: '16:9',
  status: 'draft',
  provider: '',
  model: '',
  settings: {},
  ...(review ? { review } : {}),
});

describe('mentions', () => {
  it('writes the token the server reads and shows it as @Name', () => {
    const t = mentionToken({ userId: 'u-1', name: 'Ann [Lee]' });
    expect(t).toBe('@[Ann [Lee ](u-1)');
    expect(showMentions(`Look ${t} and @[Bo](u-2).`)).toBe('Look @Ann [Lee  and @Bo.');
  });
});

describe('review', () => {
  it('sums a board up and filters by status', () => {
    const board: BoardSnapshot = {
      id: 'b',
      title: '',
      description: '',
      aspectRatio: '16:9',
      defaultShotDuration: 3,
      shots: [shot('a', { status: 'approved', by: 'guest:1', seq: 3 }), shot('b'), shot('c', { status: 'changes_requested', by: 'u', seq: 4 })],
      comments: [
        { id: 'c1', shotId: 'a', authorId: 'u', body: 'x', resolved: false, createdSeq: 1 },
        { id: 'c2', shotId: 'a', parentId: 'c1', authorId: 'u', body: 'x', resolved: false, createdSeq: 2 },
        { id: 'c3', shotId: 'b', authorId: 'u', body: 'x', resolved: true, createdSeq: 2 },
      ],
    };
    expect(reviewSummary(board)).toEqual({ shots: 3, byStatus: { none: 1, approved: 1, changes_requested: 1 }, openThreads: 1 });
    expect(board.shots.filter((s) => matchesReview(s, 'approved')).map((s) => s.id)).toEqual(['a']);
    expect(board.shots.filter((s) => matchesReview(s, 'none')).map((s) => s.id)).toEqual(['b']);
  });
});

describe('linkProblem', () => {
  it('tells revoked, expired, missing and a changed password apart', () => {
    expect(linkProblem(new ApiError(410, 'EGONE', 'gone', [{ field: 'link', message: 'revoked' }]))).toBe('revoked');
    expect(linkProblem(new ApiError(410, 'EGONE', 'gone', [{ field: 'link', message: 'expired' }]))).toBe('expired');
    expect(linkProblem(new ApiError(404, 'ENOTFOUND', 'no'))).toBe('missing');
    expect(linkProblem(new ApiError(401, 'EUNAUTHORIZED', 'pw', [{ field: 'password', message: 'changed' }]))).toBe('password-changed');
    expect(linkProblem(new ApiError(401, 'EUNAUTHORIZED', 'again'))).toBe('session');
    expect(linkProblem(new ApiError(500, 'EINTERNAL', 'x'))).toBeNull();
  });
});
