import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { CommitInput } from './CommitInput';

describe('CommitInput', () => {
  it('says how much of a nearly full field is used while typing, never cutting silently', async () => {
    render(<CommitInput id="t" aria-label="Title" value="" maxLength={10} onCommit={() => undefined} />);
    const input = screen.getByLabelText('Title');
    await userEvent.type(input, 'Harbou');
    expect(screen.queryByTestId('field-count')).toBeNull(); // 6 of 10: not yet
    await userEvent.type(input, 'r at dawn');
    expect(input).toHaveValue('Harbour at');
    const count = screen.getByTestId('field-count');
    expect(count).toHaveTextContent('10/10');
    expect(count).toHaveClass('field-count-full');
    expect(input).toHaveAttribute('aria-describedby', 't-count');
  });
});
