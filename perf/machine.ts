/**
 * How much CPU the rest of the machine used while we measured (other people's
 * tests share these machines). Foreign CPU = all busy time in /proc/stat − the
 * CPU time of this process and its descendants (Vite, Chromium and its
 * children). Linux only; NaN elsewhere.
 */
import { readFileSync, readdirSync } from "node:fs";

const TICKS_PER_SECOND = 100;

export interface CpuSample {
  at: number;
  busyTicks: number;
  ownTicks: number;
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

export function cpuSample(): CpuSample | null {
  const stat = readOrNull("/proc/stat");
  const cpu = stat?.split("\n")[0]?.trim().split(/\s+/).slice(1).map(Number);
  if (!cpu || cpu.length < 8) return null;
  const [user, nice, system, , , irq, softirq, steal] = cpu as [number, number, number, number, number, number, number, number];
  const procs = new Map<number, { parent: number; ticks: number }>();
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    const line = readOrNull(`/proc/${pid}/stat`);
    if (!line) continue;
    // After the parenthesised command: state (field 3), ppid (4), …, utime, stime, cutime, cstime (14–17).
    const fields = line.slice(line.lastIndexOf(")") + 2).split(" ");
    procs.set(Number(pid), { parent: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]) });
  }
  const ours = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; p = procs.get(p)?.parent ?? 0, hops++) if (p === process.pid) return true;
    return false;
  };
  let own = 0;
  for (const [pid, p] of procs) if (ours(pid)) own += p.ticks;
  return { at: Date.now(), busyTicks: user + nice + system + irq + softirq + steal, ownTicks: own };
}

/** Cores' worth of CPU used by processes other than ours between two samples. */
export function foreignCores(a: CpuSample | null, b: CpuSample | null): number {
  if (!a || !b || b.at <= a.at) return Number.NaN;
  const foreign = b.busyTicks - a.busyTicks - (b.ownTicks - a.ownTicks);
  return Math.max(0, foreign / TICKS_PER_SECOND / ((b.at - a.at) / 1000));
}
