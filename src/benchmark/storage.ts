/**
 * Benchmark state in IndexedDB (Dexie), in its own database so it never
 * touches saved runs. `benchmarks` holds each benchmark's settings, subset and
 * status; `results` holds one row per problem, written when the problem starts
 * and when it ends, so a long benchmark costs one small write per step rather
 * than rewriting everything.
 */
import Dexie, { type EntityTable } from "dexie";
import { BENCH_SCHEMA_VERSION, type BenchmarkMeta, type BenchmarkState, type BenchmarkStorage, type ProblemResult } from "./types";

export const BENCHMARK_DB_NAME = "refinery-benchmark";

interface StoredResult extends ProblemResult {
  benchId: string;
}

export class BenchmarkDb extends Dexie {
  declare readonly benchmarks: EntityTable<BenchmarkMeta, "id">;
  declare readonly results: Dexie.Table<StoredResult, [string, number]>;

  constructor(name: string = BENCHMARK_DB_NAME) {
    super(name);
    this.version(1).stores({
      benchmarks: "id, updatedAt",
      results: "[benchId+index], benchId",
    });
  }
}

/** The Dexie-backed {@link BenchmarkStorage}; the database opens on first use. */
export function createBenchmarkStorage(openDb: () => BenchmarkDb = () => new BenchmarkDb()): BenchmarkStorage & { close(): void } {
  let db: BenchmarkDb | null = null;
  const get = () => (db ??= openDb());
  return {
    saveMeta: async (meta) => {
      await get().benchmarks.put(meta);
    },
    saveResult: async (benchId, result) => {
      await get().results.put({ ...result, benchId });
    },
    loadLatest: async () => {
      const d = get();
      const meta = await d.benchmarks.orderBy("updatedAt").last();
      if (!meta || meta.schemaVersion !== BENCH_SCHEMA_VERSION) return null;
      const rows = await d.results.where("benchId").equals(meta.id).toArray();
      const byIndex = new Map(rows.map(({ benchId: _benchId, ...r }) => [r.index, r as ProblemResult]));
      const state: BenchmarkState = {
        meta,
        results: meta.problems.map(
          (p, index): ProblemResult =>
            byIndex.get(index) ?? { index, problemId: p.id, status: "pending", outcome: null, score: null, startedAt: null, finishedAt: null },
        ),
      };
      return state;
    },
    remove: async (benchId) => {
      const d = get();
      await d.transaction("rw", d.benchmarks, d.results, async () => {
        await d.results.where("benchId").equals(benchId).delete();
        await d.benchmarks.delete(benchId);
      });
    },
    close: () => db?.close(),
  };
}

/** A message fit for the user from whatever IndexedDB threw. */
export function storageErrorMessage(error: unknown): string {
  const name = typeof error === "object" && error !== null && "name" in error ? String((error as { name: unknown }).name) : "";
  const inner = typeof error === "object" && error !== null && "inner" in error ? (error as { inner: unknown }).inner : null;
  const innerName = typeof inner === "object" && inner !== null && "name" in inner ? String((inner as { name: unknown }).name) : "";
  if (name === "QuotaExceededError" || innerName === "QuotaExceededError")
    return "Storage full: benchmark progress can no longer be saved, so a reload would lose it. Export the results, then free some space.";
  return `Benchmark progress could not be saved (${error instanceof Error ? error.message : String(error)}); a reload would lose it.`;
}
