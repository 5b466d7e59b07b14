// Coco writes timestamps as RFC3339 with the server's local offset: 2024-11-04T10:23:58.980+08:00.
export function rfc3339(date: Date | string | number): string {
  const d = date instanceof Date ? date : new Date(date);
  const offsetMin = -d.getTimezoneOffset();
  const local = new Date(d.getTime() + offsetMin * 60_000);
  const sign = offsetMin >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMin);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local.toISOString().slice(0, -1)}${sign}${hh}:${mm}`;
}
