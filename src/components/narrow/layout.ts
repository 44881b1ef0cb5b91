/**
 * Narrow-screen layout: the breakpoint and the small pure rules behind the
 * candidate strip (phones and tablets in portrait). Kept apart from React so the
 * rules are unit-tested without a DOM.
 *
 * The same width is written in Narrow.css's media queries (CSS cannot import
 * it); change both together.
 */

/** Below this width the candidates become a strip plus one panel, and the header a menu. */
export const NARROW_QUERY = "(max-width: 899.98px)";

/**
 * Columns of the strip: every mini-panel must stay wide enough to read its
 * answer and big enough to tap, so more than four candidates take two rows.
 */
export function stripColumns(n: number): number {
  return n <= 4 ? Math.max(n, 1) : Math.ceil(n / 2);
}

/** A horizontal move this long (CSS px) counts as a swipe, not a tap or a jitter. */
export const SWIPE_MIN_PX = 48;

/**
 * What a finished pointer gesture means for the candidate shown in full:
 * +1 (next: finger moved left), -1 (previous: finger moved right) or 0 (not a
 * swipe: too short, or mostly vertical, i.e. the reader was scrolling).
 */
export function swipeStep(dx: number, dy: number): -1 | 0 | 1 {
  if (Math.abs(dx) < SWIPE_MIN_PX || Math.abs(dx) < 1.5 * Math.abs(dy)) return 0;
  return dx < 0 ? 1 : -1;
}

/**
 * The tab a key moves to in the strip (the ARIA tabs pattern: arrows wrap,
 * Home/End jump), or null for a key the strip does not handle.
 */
export function tabAfterKey(key: string, current: number, n: number): number | null {
  if (n <= 0) return null;
  switch (key) {
    case "ArrowRight":
    case "ArrowDown":
      return (current + 1) % n;
    case "ArrowLeft":
    case "ArrowUp":
      return (current - 1 + n) % n;
    case "Home":
      return 0;
    case "End":
      return n - 1;
    default:
      return null;
  }
}

/** The candidate to show after a step, staying inside 0..n-1 (no wrap: a swipe past the end does nothing). */
export function clampStep(current: number, step: number, n: number): number {
  return Math.min(Math.max(current + step, 0), Math.max(n - 1, 0));
}

/**
 * The last characters of a streaming text, on one line: what the strip shows
 * so all candidates can be watched writing while one is read in full.
 * Plain text only (React escapes it); never parsed as Markdown or HTML.
 */
export function streamTail(text: string, chars = 60): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= chars) return flat;
  // Never cut a surrogate pair in half.
  let start = flat.length - chars;
  const code = flat.charCodeAt(start);
  if (code >= 0xdc00 && code <= 0xdfff) start++;
  return `…${flat.slice(start)}`;
}
