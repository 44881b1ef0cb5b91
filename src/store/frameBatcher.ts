/**
 * Collects streamed text per key and hands it over once per animation frame, so
 * the store changes (and React renders) at most once a frame however fast tokens
 * arrive.
 */
export type Schedule = (flush: () => void) => void;

export const animationFrame: Schedule = (flush) => {
  if (typeof requestAnimationFrame === "function" && typeof document !== "undefined" && !document.hidden) {
    requestAnimationFrame(() => flush());
  } else {
    setTimeout(flush, 16);
  }
};

/** Text that arrived for one key since the last flush, and in how many pieces (tokens). */
export interface PendingText {
  text: string;
  pieces: number;
}

export class FrameBatcher<K> {
  private pending = new Map<K, PendingText>();
  private scheduled = false;

  constructor(
    private readonly apply: (batch: Map<K, PendingText>) => void,
    private readonly schedule: Schedule = animationFrame,
  ) {}

  push(key: K, text: string): void {
    const entry = this.pending.get(key);
    if (entry) {
      entry.text += text;
      entry.pieces++;
    } else this.pending.set(key, { text, pieces: 1 });
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(() => this.flush());
    }
  }

  /** Applies whatever is pending now; call before any event that must see all text. */
  flush(): void {
    this.scheduled = false;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.apply(batch);
  }
}
