/**
 * Turning one candidate's token stream into text deltas: incremental detokenization
 * and stop strings. Pure; the decoder owns one of each per candidate.
 */

/**
 * Decodes a growing token list without re-decoding all of it each step, and without
 * emitting half a character. A multi-byte character split over byte-fallback tokens
 * decodes to U+FFFD until its last byte arrives, so text ending in U+FFFD is held
 * back. Each delta is computed against a window that starts at the previous emit
 * point, which also keeps SentencePiece's "strip the leading space" rule from
 * eating spaces mid-text (the window is decoded twice with the same start).
 */
export class IncrementalDetokenizer {
  private readonly ids: number[] = [];
  private prefixOffset = 0;
  private readOffset = 0;

  constructor(private readonly decode: (ids: number[]) => string) {}

  /** Adds one token; returns the text that is now complete ("" while a character is split). */
  push(tokenId: number): string {
    this.ids.push(tokenId);
    const prefixText = this.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const newText = this.decode(this.ids.slice(this.prefixOffset));
    if (newText.length <= prefixText.length || newText.endsWith("\uFFFD")) return "";
    this.prefixOffset = this.readOffset;
    this.readOffset = this.ids.length;
    return newText.slice(prefixText.length);
  }

  /** At the end: whatever is still held back, incomplete characters included (as WebLLM's final text has them). */
  flush(): string {
    if (this.readOffset === this.ids.length) return "";
    const prefixText = this.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const newText = this.decode(this.ids.slice(this.prefixOffset));
    this.prefixOffset = this.readOffset = this.ids.length;
    return newText.length > prefixText.length ? newText.slice(prefixText.length) : "";
  }
}

export interface StopCheck {
  /** Text that may be shown now. */
  visible: string;
  /** True when a stop string ended the text (it and anything after it are dropped). */
  stopped: boolean;
}

/**
 * Cuts the text at the first stop string, as WebLLM's `processNextToken` does, and
 * holds back a tail that could still grow into one, so that streamed deltas never
 * show text the final result drops.
 */
export class StopStringFilter {
  private readonly stops: string[];
  private readonly longest: number;
  private full = "";
  private emitted = 0;

  constructor(stops: readonly string[]) {
    this.stops = [...new Set(stops.filter((s) => s.length > 0))];
    this.longest = Math.max(0, ...this.stops.map((s) => s.length));
  }

  /** The text shown so far plus what is held back. */
  get text(): string {
    return this.full;
  }

  push(delta: string): StopCheck {
    const searchFrom = Math.max(0, this.full.length - this.longest + 1);
    this.full += delta;
    let cut = -1;
    for (const stop of this.stops) {
      const at = this.full.indexOf(stop, searchFrom);
      if (at !== -1 && (cut === -1 || at < cut)) cut = at;
    }
    if (cut !== -1) {
      this.full = this.full.slice(0, cut);
      return { visible: this.release(this.full.length), stopped: true };
    }
    return { visible: this.release(this.full.length - this.heldLength()), stopped: false };
  }

  /** At the end without a stop string: releases the held tail. */
  flush(): string {
    return this.release(this.full.length);
  }

  private release(end: number): string {
    const visible = this.full.slice(this.emitted, end);
    this.emitted = Math.max(this.emitted, end);
    return visible;
  }

  /** Length of the longest suffix of the text that is a proper prefix of some stop string. */
  private heldLength(): number {
    let held = 0;
    for (const stop of this.stops) {
      for (let k = Math.min(stop.length - 1, this.full.length); k > held; k--) {
        if (this.full.endsWith(stop.slice(0, k))) {
          held = k;
          break;
        }
      }
    }
    return Math.min(held, this.full.length - this.emitted);
  }
}
