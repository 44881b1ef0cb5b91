import { describe, expect, it } from "vitest";
import { formatBytes, formatDuration, ProgressTracker } from "./progress";

describe("ProgressTracker", () => {
  it("derives fraction, speed and ETA from byte counts over time", () => {
    const t = new ProgressTracker();
    t.update({ phase: "download", loadedBytes: 0, totalBytes: 1000 }, 0);
    const v = t.update({ phase: "download", loadedBytes: 250, totalBytes: 1000 }, 1000);
    expect(v.fraction).toBe(0.25);
    expect(v.bytesPerSecond).toBe(250);
    expect(v.etaSeconds).toBe(3);
  });

  it("reports unknown speed at first and unknown fraction without a total", () => {
    const t = new ProgressTracker();
    const v = t.update({ phase: "download", loadedBytes: 10, totalBytes: 0 }, 0);
    expect(v.fraction).toBeNull();
    expect(v.bytesPerSecond).toBeNull();
    expect(v.etaSeconds).toBeNull();
  });

  it("starts over when the phase changes", () => {
    const t = new ProgressTracker();
    t.update({ phase: "download", loadedBytes: 0, totalBytes: 100 }, 0);
    t.update({ phase: "download", loadedBytes: 100, totalBytes: 100 }, 1000);
    const v = t.update({ phase: "initialize", loadedBytes: 0, totalBytes: 100 }, 1500);
    expect(v.phase).toBe("initialize");
    expect(v.bytesPerSecond).toBeNull();
  });
});

describe("formatting", () => {
  it("formats bytes and durations for people", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(986 * 1024 * 1024)).toBe("986 MB");
    expect(formatDuration(42)).toBe("42s");
    expect(formatDuration(125)).toBe("2m 5s");
    expect(formatDuration(3720)).toBe("1h 2m");
  });
});
