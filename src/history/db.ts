/**
 * Saved runs in IndexedDB, through Dexie. Two tables: `runs` holds each run
 * whole; `summaries` holds what the list shows plus a lower-cased search text,
 * so listing and searching thousands of runs never loads their solutions. Both
 * are written in the same transaction, so they never disagree.
 *
 * Everything is reached through {@link createHistory}, whose database factory
 * is injectable (tests pass one backed by fake-indexeddb).
 */
import Dexie, { type DexieOptions, type EntityTable } from "dexie";
import { markIncomplete, newRunId, searchText, summarize } from "./convert";
import type { SavedRun, SavedRunSummary } from "./types";

interface StoredSummary extends SavedRunSummary {
  search: string;
}

export const DEFAULT_DB_NAME = "refinery-history";

export class HistoryDb extends Dexie {
  declare readonly runs: EntityTable<SavedRun, "id">;
  declare readonly summaries: EntityTable<StoredSummary, "id">;

  constructor(name: string = DEFAULT_DB_NAME, options?: DexieOptions) {
    super(name, options);
    this.version(1).stores({
      runs: "id, createdAt, updatedAt, status",
      summaries: "id, createdAt, updatedAt, status",
    });
  }
}

export type HistoryErrorCode = "storage-full" | "unavailable" | "failed";

/** A history operation that failed, with a message fit to show the user. */
export class HistoryError extends Error {
  readonly code: HistoryErrorCode;
  constructor(code: HistoryErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "HistoryError";
    this.code = code;
  }
}

const QUOTA_NAMES = new Set(["QuotaExceededError", "NS_ERROR_DOM_QUOTA_REACHED"]);
const UNAVAILABLE_NAMES = new Set([
  "MissingAPIError",
  "OpenFailedError",
  "SecurityError",
  "InvalidStateError",
  "DatabaseClosedError",
  "VersionError",
]);

/** Looks through Dexie's wrappers (inner, cause, bulk failures) for an error name. */
function hasErrorNamed(error: unknown, names: Set<string>, depth = 0): boolean {
  if (depth > 5 || error === null || typeof error !== "object") return false;
  const e = error as {
    name?: unknown;
    code?: unknown;
    inner?: unknown;
    cause?: unknown;
    failures?: unknown;
  };
  if (typeof e.name === "string" && names.has(e.name)) return true;
  // Old WebKit reports quota as DOMException code 22 with a generic name.
  if (names === QUOTA_NAMES && e.code === 22) return true;
  const nested: unknown[] = [e.inner, e.cause];
  if (Array.isArray(e.failures)) nested.push(...e.failures);
  else if (e.failures && typeof e.failures === "object") nested.push(...Object.values(e.failures));
  return nested.some((n) => hasErrorNamed(n, names, depth + 1));
}

/** Maps whatever IndexedDB or Dexie threw to a {@link HistoryError}. */
export function toHistoryError(error: unknown): HistoryError {
  if (error instanceof HistoryError) return error;
  if (hasErrorNamed(error, QUOTA_NAMES))
    return new HistoryError(
      "storage-full",
      "Storage full: the browser refused to save more history. Export your runs, then delete old ones to make room.",
      { cause: error },
    );
  if (hasErrorNamed(error, UNAVAILABLE_NAMES))
    return new HistoryError(
      "unavailable",
      "History is unavailable: this browser is not letting the page use its database (private browsing or blocked site data can do this).",
      { cause: error },
    );
  const detail = error instanceof Error ? error.message : String(error);
  return new HistoryError("failed", `History could not be updated: ${detail}`, { cause: error });
}

export interface ListQuery {
  /** Case-insensitive; every word must appear in the problem, its source or an answer. */
  search?: string;
  /** Default 100. */
  limit?: number;
  offset?: number;
}

export interface ImportReport {
  imported: number;
  /** Runs whose id was already taken and got a new one. */
  renamed: number;
}

export interface RunHistory {
  /** Inserts or replaces the run with this id. */
  saveRun(run: SavedRun): Promise<void>;
  /** Newest first. */
  listRuns(query?: ListQuery): Promise<SavedRunSummary[]>;
  countRuns(search?: string): Promise<number>;
  getRun(id: string): Promise<SavedRun | undefined>;
  /** Every run, oldest first: for "export all". */
  allRuns(): Promise<SavedRun[]>;
  deleteRun(id: string): Promise<void>;
  deleteAll(): Promise<void>;
  /**
   * Adds the runs in one transaction: all or nothing. An id already stored (or
   * repeated in the batch) gets a new id; nothing stored is ever overwritten.
   * Runs that were still going when exported come in as 'incomplete'.
   */
  importRuns(runs: readonly SavedRun[]): Promise<ImportReport>;
  /** Start-up: every 'running' run is left over from a page that died; marks them 'incomplete'. Returns how many. */
  markInterruptedRuns(): Promise<number>;
  close(): void;
}

export interface HistoryOptions {
  /** Opens the database; called once, on first use. */
  openDb?: () => HistoryDb;
  /** Ids for imported runs whose id is taken. */
  newId?: () => string;
}

function stored(run: SavedRun): StoredSummary {
  return { ...summarize(run), search: searchText(run) };
}

function unstored({ search: _search, ...summary }: StoredSummary): SavedRunSummary {
  return summary;
}

function matcher(search: string | undefined): ((s: StoredSummary) => boolean) | null {
  const words = (search ?? "").toLowerCase().split(/\s+/).filter(Boolean);
  return words.length ? (s) => words.every((w) => s.search.includes(w)) : null;
}

export function createHistory(options: HistoryOptions = {}): RunHistory {
  const openDb = options.openDb ?? (() => new HistoryDb());
  const newId = options.newId ?? newRunId;
  let instance: HistoryDb | null = null;
  const db = () => (instance ??= openDb());

  async function guarded<T>(work: (db: HistoryDb) => Promise<T>): Promise<T> {
    try {
      return await work(db());
    } catch (error) {
      throw toHistoryError(error);
    }
  }

  const put = async (d: HistoryDb, run: SavedRun) => {
    await d.runs.put(run);
    await d.summaries.put(stored(run));
  };

  return {
    saveRun: (run) => guarded((d) => d.transaction("rw", d.runs, d.summaries, () => put(d, run))),

    listRuns: ({ search, limit = 100, offset = 0 } = {}) =>
      guarded(async (d) => {
        let rows = d.summaries.orderBy("createdAt").reverse();
        const match = matcher(search);
        if (match) rows = rows.filter(match);
        return (await rows.offset(offset).limit(limit).toArray()).map(unstored);
      }),

    countRuns: (search) =>
      guarded((d) => {
        const match = matcher(search);
        return match ? d.summaries.filter(match).count() : d.summaries.count();
      }),

    getRun: (id) => guarded((d) => d.runs.get(id)),

    allRuns: () => guarded((d) => d.runs.orderBy("createdAt").toArray()),

    deleteRun: (id) =>
      guarded((d) =>
        d.transaction("rw", d.runs, d.summaries, async () => {
          await d.runs.delete(id);
          await d.summaries.delete(id);
        }),
      ),

    deleteAll: () =>
      guarded((d) =>
        d.transaction("rw", d.runs, d.summaries, async () => {
          await d.runs.clear();
          await d.summaries.clear();
        }),
      ),

    importRuns: (runs) =>
      guarded((d) =>
        d.transaction("rw", d.runs, d.summaries, async () => {
          const taken = new Set<string>(
            await d.runs
              .where(":id")
              .anyOf(runs.map((r) => r.id))
              .primaryKeys(),
          );
          let renamed = 0;
          const records = runs.map((run) => {
            let id = run.id;
            if (taken.has(id)) {
              do {
                id = newId();
              } while (taken.has(id));
              renamed++;
            }
            taken.add(id);
            const copy = { ...run, id };
            return copy.status === "running" ? markIncomplete(copy) : copy;
          });
          // add, not put: should an id still clash, the transaction fails rather than overwrite.
          await d.runs.bulkAdd(records);
          await d.summaries.bulkAdd(records.map(stored));
          return { imported: records.length, renamed };
        }),
      ),

    markInterruptedRuns: () =>
      guarded((d) =>
        d.transaction("rw", d.runs, d.summaries, async () => {
          const running = await d.runs.where("status").equals("running").toArray();
          for (const run of running) await put(d, markIncomplete(run));
          return running.length;
        }),
      ),

    close: () => {
      instance?.close();
      instance = null;
    },
  };
}
