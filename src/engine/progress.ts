import type { LoadProgress } from "./types";

/** What the progress bar shows: derived from raw byte counts and the clock. */
export interface ProgressView {
  phase: LoadProgress["phase"];
  loadedBytes: number;
  totalBytes: number;
  /** 0–1, or null when the total is unknown. */
  fraction: number | null;
  bytesPerSecond: number | null;
  etaSeconds: number | null;
  /** The engine's own progress line, if any. */
  text: string | null;
}

/**
 * Turns a stream of byte counts into speed and ETA, smoothing the speed over a
 * sliding window so the ETA does not jump with every chunk.
 */
export class ProgressTracker {
  private samples: Array<{ t: number; bytes: number }> = [];
  private phase: LoadProgress["phase"] | null = null;

  constructor(private readonly windowMs = 3000) {}

  update(p: LoadProgress, nowMs: number): ProgressView {
    if (p.phase !== this.phase) {
      this.phase = p.phase;
      this.samples = [];
    }
    this.samples.push({ t: nowMs, bytes: p.loadedBytes });
    while (this.samples.length > 2 && nowMs - this.samples[0]!.t > this.windowMs) this.samples.shift();
    const first = this.samples[0]!;
    const dt = (nowMs - first.t) / 1000;
    const bytesPerSecond = dt > 0.2 ? (p.loadedBytes - first.bytes) / dt : null;
    const fraction = p.totalBytes > 0 ? Math.min(1, p.loadedBytes / p.totalBytes) : (p.fraction ?? null);
    const etaSeconds =
      bytesPerSecond && bytesPerSecond > 0 && p.totalBytes > 0
        ? Math.max(0, (p.totalBytes - p.loadedBytes) / bytesPerSecond)
        : null;
    return { phase: p.phase, loadedBytes: p.loadedBytes, totalBytes: p.totalBytes, fraction, bytesPerSecond, etaSeconds, text: p.text ?? null };
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}
