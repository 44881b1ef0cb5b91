/**
 * Records one run into history while it streams. The store hands it every new
 * run view; it saves at once when the run's phase changes (a candidate starts
 * or ends, the vote, the refinement, the end) and otherwise at most once per
 * interval, so a stream of tokens costs a handful of writes, not one per frame.
 * Writes never overlap and never reorder: a write asked for while one is in
 * flight happens after it, with the latest view.
 */
import { newRunId, toSavedRun } from "./convert";
import type { RunMeta, RunViewLike, SavedRun } from "./types";

export interface RecorderOptions {
  /** Where the run comes from; id and createdAt are made up when missing. */
  meta: Omit<RunMeta, "id" | "createdAt" | "updatedAt"> & { id?: string; createdAt?: number };
  save(run: SavedRun): Promise<void>;
  /** Wall-clock time for createdAt/updatedAt, and for the throttle. Default Date.now. */
  clock?: () => number;
  /** Most time streamed text waits before it is saved. Default 500 ms. */
  intervalMs?: number;
  setTimer?: (callback: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /** A failed save; called once per run of failures (again only after a save succeeds). */
  onError?: (error: unknown) => void;
}

/** What changes at a phase boundary: statuses and whether the vote exists. Text and token counts do not count. */
function phaseKey(run: RunViewLike): string {
  return [
    run.status,
    run.candidates.map((c) => c.status).join(","),
    run.vote ? "voted" : "",
    run.refined.status,
  ].join("|");
}

export class RunRecorder {
  readonly id: string;
  readonly createdAt: number;
  private readonly options: RecorderOptions;
  private readonly clock: () => number;
  private readonly intervalMs: number;
  private latest: RunViewLike | null = null;
  private dirty = false;
  private lastPhase: string | null = null;
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private timer: unknown = null;
  private inFlight: Promise<void> | null = null;
  private again = false;
  private failing = false;

  constructor(options: RecorderOptions) {
    this.options = options;
    this.clock = options.clock ?? Date.now;
    this.intervalMs = options.intervalMs ?? 500;
    this.id = options.meta.id ?? newRunId();
    this.createdAt = options.meta.createdAt ?? this.clock();
  }

  /** The run as it is now. Cheap: at most it schedules a write. */
  update(run: RunViewLike): void {
    if (run === this.latest) return;
    this.latest = run;
    this.dirty = true;
    const phase = phaseKey(run);
    if (phase !== this.lastPhase) {
      this.lastPhase = phase;
      this.cancelTimer();
      void this.write();
      return;
    }
    if (this.timer === null) {
      const wait = Math.max(0, this.lastWriteAt + this.intervalMs - this.clock());
      const setTimer =
        this.options.setTimer ?? ((cb: () => void, ms: number) => setTimeout(cb, ms));
      this.timer = setTimer(() => {
        this.timer = null;
        void this.write();
      }, wait);
    }
  }

  /** Saves whatever is not saved yet; resolves when every write has finished. */
  async flush(): Promise<void> {
    this.cancelTimer();
    if (this.dirty) await this.write();
    while (this.inFlight) await this.inFlight;
  }

  /** Drops a pending timed write (a final flush() should come first). */
  dispose(): void {
    this.cancelTimer();
  }

  private cancelTimer() {
    if (this.timer === null) return;
    const clearTimer =
      this.options.clearTimer ?? ((h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>));
    clearTimer(this.timer);
    this.timer = null;
  }

  private write(): Promise<void> {
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    this.inFlight = this.drain().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      if (!this.dirty || !this.latest) return;
      this.dirty = false;
      this.lastWriteAt = this.clock();
      const saved = toSavedRun(this.latest, {
        ...this.options.meta,
        id: this.id,
        createdAt: this.createdAt,
        updatedAt: Math.max(this.createdAt, this.lastWriteAt),
      });
      try {
        await this.options.save(saved);
        this.failing = false;
      } catch (error) {
        // Keep it pending: the next update or flush tries again.
        this.dirty = true;
        if (!this.failing) this.options.onError?.(error);
        this.failing = true;
      }
    } while (this.again);
  }
}
