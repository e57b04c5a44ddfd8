import type { ExportFormat, ExportJob, ExportOptions } from '../../api/client';

/** The formats, in menu order, with what each is for. */
export const FORMATS: { format: ExportFormat; label: string; hint: string }[] = [
  { format: 'mp4', label: 'Animatic (MP4)', hint: 'The timeline as one video: renders, or reference frames and title cards.' },
  { format: 'pdf', label: 'Storyboard (PDF)', hint: 'Frames with prompts, notes, durations and review status.' },
  { format: 'csv', label: 'Shot list (CSV)', hint: 'One row per shot with every field, for spreadsheets.' },
  { format: 'otio', label: 'OpenTimelineIO (.otio)', hint: 'For editing programs; open comments become markers.' },
  { format: 'fcpxml', label: 'Final Cut Pro XML', hint: 'For Final Cut Pro and Resolve; open comments become markers.' },
  { format: 'bundle', label: 'Bundle (ZIP)', hint: 'Everything, to import into another workspace.' },
];

/** The label of a format. */
export function formatLabel(f: ExportFormat): string {
  return FORMATS.find((x) => x.format === f)?.label ?? f;
}

/** The options a format reads, with the server's defaults. */
export function defaultOptions(f: ExportFormat): ExportOptions {
  switch (f) {
    case 'mp4':
      return { resolution: '720p', fps: 24, burnIn: true };
    case 'pdf':
      return { perRow: 2, orientation: 'landscape', paper: 'A4' };
    case 'otio':
    case 'fcpxml':
      return { fps: 24 };
    default:
      return {};
  }
}

/** Whether an export is still being made. */
export function isActive(j: ExportJob): boolean {
  return j.state === 'queued' || j.state === 'running';
}

/** "1.5 MiB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** A fresh idempotency key: a double click sends the same one. */
export function newKey(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
