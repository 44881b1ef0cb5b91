/**
 * Collects streamed text per key and hands it over in batches, so the store
 * changes (and React renders) at most once a frame however fast tokens arrive,
 * and less often the more sequences stream at once (see `streamPause`).
 */

/** Calls `flush` on an animation frame at least `delayMs` from now. */
export type Schedule = (flush: () => void, delayMs: number) => void;

export const animationFrame: Schedule = (flush, delayMs) => {
  const onFrame = () => {
    if (typeof requestAnimationFrame === "function" && typeof document !== "undefined" && !document.hidden) {
      requestAnimationFrame(() => flush());
    } else {
      setTimeout(flush, 16);
    }
  };
  if (delayMs > 0) setTimeout(onFrame, delayMs);
  else onFrame();
};

/** Pause per streaming sequence between two batches, and the longest pause. */
export const PAUSE_PER_STREAM_MS = 12.5;
export const MAX_PAUSE_MS = 100;

/**
 * The shortest time between two batches while `streams` sequences stream.
 * Each batch re-renders the last markdown block of every panel it changes and
 * lays out and paints them again, so its cost grows with the number of panels.
 * Pausing in proportion keeps the rendering work per second about the same
 * whatever N is: one stream (the refined solution) updates every frame, eight
 * candidates every 100 ms (ten times a second, a few tokens per panel each
 * time: still reads as a steady stream, at a quarter of the main thread or
 * less on a 2-core laptop; measured by `npm run bench`).
 */
export function streamPause(streams: number): number {
  return Math.min(MAX_PAUSE_MS, streams * PAUSE_PER_STREAM_MS);
}

/** Text that arrived for one key since the last flush, and in how many pieces (tokens). */
export interface PendingText {
  text: string;
  pieces: number;
}

export class FrameBatcher<K> {
  private pending = new Map<K, PendingText>();
  private scheduled = false;
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  /** Keys in the latest batch: how many sequences are streaming now. */
  private lastStreams = 0;

  constructor(
    private readonly apply: (batch: Map<K, PendingText>) => void,
    private readonly schedule: Schedule = animationFrame,
    private readonly now: () => number = () => performance.now(),
  ) {}

  push(key: K, text: string): void {
    const entry = this.pending.get(key);
    if (entry) {
      entry.text += text;
      entry.pieces++;
    } else this.pending.set(key, { text, pieces: 1 });
    if (!this.scheduled) {
      this.scheduled = true;
      const delay = Math.max(0, this.lastFlushAt + streamPause(this.lastStreams) - this.now());
      this.schedule(() => this.flush(), delay);
    }
  }

  /** Applies whatever is pending now; call before any event that must see all text. */
  flush(): void {
    this.scheduled = false;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.lastFlushAt = this.now();
    this.lastStreams = batch.size;
    this.apply(batch);
  }
}
