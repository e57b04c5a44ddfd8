import { useEffect, useState } from 'react';
import { formatRelative } from './format';

/** "2 min ago", kept current (every 30 s), with the exact time on hover and for machines. */
export function RelativeTime({ iso }: { iso: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);
  const d = new Date(iso);
  return (
    <time dateTime={iso} title={Number.isNaN(d.getTime()) ? undefined : d.toLocaleString()} data-testid="relative-time">
      {formatRelative(iso, now)}
    </time>
  );
}
