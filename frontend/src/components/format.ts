/** Short human dates for lists: "Mar 4, 2026". */
export function formatDate(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

/** Seconds as the timeline shows them: "4s", "2.5s". */
export function formatSeconds(seconds: number): string {
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)}s`;
}

/** Role names as a person reads them. */
export function formatRole(role: string): string {
  return role.charAt(0).toUpperCase() + role.slice(1);
}
