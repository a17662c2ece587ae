/** `text` cut to `width` characters with a trailing `…` when longer; line breaks become spaces. */
export function fit(text: string, width: number): string {
  const flat = text.replace(/\s*\n\s*/g, ' ');
  if (width <= 0) return '';
  return flat.length <= width ? flat : `${flat.slice(0, Math.max(0, width - 1))}…`;
}

/** `text` fitted to `width` and padded with spaces to exactly `width`. */
export function cell(text: string, width: number): string {
  return fit(text, width).padEnd(width);
}

/** How long ago an ISO time (or epoch ms) was, as `4s`, `3m`, `2h` or `5d`; `-` when missing. */
export function ago(time: string | number | null | undefined, now: number): string {
  if (time === null || time === undefined) return '-';
  const at = typeof time === 'number' ? time : Date.parse(time);
  if (!Number.isFinite(at)) return '-';
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}
