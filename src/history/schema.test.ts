import { describe, expect, it } from "vitest";
import { historyToJson, runToJson } from "./export";
import { makeSavedRun, uuid } from "./testing/fixtures";
import { LIMITS } from "./limits";
import { parseImportFile, readImportFile } from "./schema";
import type { SavedRun } from "./types";

const EXPORTED_AT = Date.UTC(2026, 4, 2);

function historyFile(runs: unknown[], extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    format: "refinery-history",
    version: 1,
    exportedAt: EXPORTED_AT,
    runs,
    ...extra,
  });
}

function parse(text: string) {
  return parseImportFile(text, new TextEncoder().encode(text).length);
}

function rejection(text: string): string {
  const result = parse(text);
  if (result.ok) throw new Error("expected the file to be rejected");
  return result.message;
}

/** A run as plain JSON data, to break in ways the types would not allow. */
function rawRun(
  change: (
    run: Record<string, unknown> & { candidates: Record<string, unknown>[] },
  ) => void = () => {},
) {
  const run = JSON.parse(JSON.stringify(makeSavedRun()));
  change(run);
  return run;
}

describe("parseImportFile: good files", () => {
  it("accepts a history export", () => {
    const runs = [
      makeSavedRun({ id: uuid(1) }),
      makeSavedRun({ id: uuid(2), status: "incomplete" }),
    ];
    const result = parse(historyToJson(runs, EXPORTED_AT));
    expect(result).toEqual({ ok: true, runs });
  });

  it("accepts a single-run file", () => {
    const run = makeSavedRun();
    expect(parse(runToJson(run, EXPORTED_AT))).toEqual({ ok: true, runs: [run] });
    expect(parse(JSON.stringify({ format: "refinery-run", version: 1, run }))).toEqual({
      ok: true,
      runs: [run],
    });
  });

  it("accepts an empty history and a run without a vote or reference", () => {
    expect(parse(historyFile([]))).toEqual({ ok: true, runs: [] });
    const run = makeSavedRun({
      vote: null,
      majorityCorrect: null,
      problemRef: null,
      status: "stopped",
    });
    expect(parse(historyFile([run])).ok).toBe(true);
  });

  it("keeps script tags as inert text and never evaluates them", () => {
    const payload = `<script>globalThis.__refineryPwned = true</script><img src=x onerror="globalThis.__refineryPwned = true">`;
    const run = makeSavedRun({ problem: payload, model: payload });
    run.candidates[0] = { ...run.candidates[0]!, text: payload, answer: payload };
    const result = parse(historyFile([run]));
    expect(result.ok && result.runs[0]!.problem).toBe(payload);
    expect(result.ok && result.runs[0]!.candidates[0]!.text).toBe(payload);
    expect((globalThis as Record<string, unknown>).__refineryPwned).toBeUndefined();
  });
});

describe("parseImportFile: malformed files", () => {
  it("rejects what is not JSON", () => {
    expect(rejection("{ not json")).toMatch(/^not JSON/);
    expect(rejection("")).toMatch(/empty/);
  });

  it("rejects JSON that is not a Refinery export", () => {
    expect(rejection("[1, 2, 3]")).toBe(
      "this is not a Refinery export (expected a JSON object, found an array)",
    );
    expect(rejection('"hello"')).toBe(
      "this is not a Refinery export (expected a JSON object, found text)",
    );
    expect(rejection('{"runs": []}')).toBe("this is not a Refinery export (format missing)");
    expect(rejection('{"format": "excalidraw", "version": 1}')).toBe(
      'this is not a Refinery export (format "excalidraw")',
    );
  });

  it("rejects an unsupported version", () => {
    expect(
      rejection(
        JSON.stringify({ format: "refinery-history", version: 2, exportedAt: 1, runs: [] }),
      ),
    ).toBe("version: unsupported version 2 (this app reads version 1)");
  });

  it("names a field of the wrong type", () => {
    const bad = rawRun((r) => {
      r.candidates[1]!.tokens = "40";
    });
    expect(rejection(historyFile([bad]))).toBe(
      "runs[0].candidates[1].tokens: expected a finite number, found text",
    );
  });

  it("names a missing field", () => {
    const bad = rawRun((r) => {
      delete r.problem;
    });
    expect(rejection(historyFile([makeSavedRun({ id: uuid(1) }), bad]))).toBe(
      "runs[1].problem: missing",
    );
  });

  it("names an out-of-range setting and a bad status", () => {
    expect(
      rejection(historyFile([rawRun((r) => ((r.settings as Record<string, unknown>).n = 9))])),
    ).toMatch(/^runs\[0\]\.settings\.n: too large \(max 8\)/);
    expect(rejection(historyFile([rawRun((r) => (r.status = "exploded"))]))).toMatch(
      /^runs\[0\]\.status: must be one of "running", "complete"/,
    );
    expect(
      rejection(historyFile([rawRun((r) => ((r.settings as Record<string, unknown>).seed = 1.5))])),
    ).toBe("runs[0].settings.seed: must be a whole number");
  });

  it("rejects unknown fields at the top and inside runs", () => {
    expect(rejection(historyFile([], { extra: true }))).toBe("extra: unknown field");
    expect(rejection(historyFile([rawRun((r) => (r.secret = 1))]))).toBe(
      "runs[0].secret: unknown field",
    );
  });

  it("rejects runs whose parts do not fit together", () => {
    // Dropping candidate 2 also orphans its vote: both are counted.
    expect(rejection(historyFile([rawRun((r) => r.candidates.pop())]))).toBe(
      "runs[0].candidates: expected 3 candidates (settings.n), found 2 (and 1 more problem)",
    );
    const badVote = rawRun(
      (r) => ((r.vote as { clusters: { members: number[] }[] }).clusters[1]!.members = [5]),
    );
    expect(rejection(historyFile([badVote]))).toBe(
      "runs[0].vote.clusters[1].members[0]: candidate 5 does not exist (the run has 3)",
    );
    const twice = rawRun((r) => ((r.vote as { unanswered: number[] }).unanswered = [0]));
    expect(rejection(historyFile([twice]))).toBe(
      "runs[0].vote.unanswered[0]: candidate 0 is counted twice in the vote",
    );
  });

  it("rejects an id that is not a UUID", () => {
    expect(rejection(historyFile([rawRun((r) => (r.id = "../../etc"))]))).toBe(
      "runs[0].id: not a UUID",
    );
  });
});

describe("parseImportFile: oversized files", () => {
  it("rejects a file over the size limit before parsing it", () => {
    expect(parseImportFile("this is not even JSON", LIMITS.fileBytes + 1)).toEqual({
      ok: false,
      message: "file too large (20 MB; max 20 MB)",
    });
  });

  it("rejects too many runs", () => {
    const runs = Array.from({ length: LIMITS.runs + 1 }, () => 0);
    expect(rejection(historyFile(runs))).toBe(
      `runs: too many runs (${LIMITS.runs + 1}; max ${LIMITS.runs})`,
    );
  });

  it("rejects a too-long text, naming where it is", () => {
    const bad = rawRun((r) => (r.candidates[0]!.text = "x".repeat(LIMITS.textChars + 1)));
    expect(
      rejection(
        historyFile([
          makeSavedRun({ id: uuid(1) }),
          makeSavedRun({ id: uuid(2) }),
          makeSavedRun({ id: uuid(3) }),
          bad,
        ]),
      ),
    ).toBe("runs[3].candidates[0].text: too long (max 200000 characters)");
    expect(
      rejection(historyFile([rawRun((r) => (r.problem = "p".repeat(LIMITS.problemChars + 1)))])),
    ).toBe("runs[0].problem: too long (max 20000 characters)");
  });

  it("refuses to read an oversized File at all", async () => {
    let read = false;
    const file = {
      size: LIMITS.fileBytes * 3,
      text: async () => ((read = true), "{}"),
    } as unknown as Blob;
    expect(await readImportFile(file)).toEqual({
      ok: false,
      message: "file too large (60 MB; max 20 MB)",
    });
    expect(read).toBe(false);
    const good = new Blob([runToJson(makeSavedRun())]);
    expect((await readImportFile(good)).ok).toBe(true);
  });
});

describe("parseImportFile: hostile files", () => {
  it("rejects __proto__ keys wherever they are, and leaves prototypes alone", () => {
    const top = historyFile([]).replace("{", '{"__proto__": {"polluted": true},');
    expect(rejection(top)).toBe('__proto__: forbidden key "__proto__"');
    const nested = historyFile([makeSavedRun()]).replace(
      '"settings":{',
      '"settings":{"__proto__":{"isAdmin":true},',
    );
    expect(rejection(nested)).toBe('runs[0].settings.__proto__: forbidden key "__proto__"');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it("rejects constructor keys", () => {
    const text = historyFile([makeSavedRun()]).replace(
      '"refined":{',
      '"refined":{"constructor":{"prototype":{"x":1}},',
    );
    expect(rejection(text)).toBe('runs[0].refined.constructor: forbidden key "constructor"');
  });

  it("rejects enormous numbers that JSON turns into Infinity", () => {
    const text = historyFile([makeSavedRun()]).replace('"tokens":40', '"tokens":1e999');
    expect(rejection(text)).toBe(
      "runs[0].candidates[0].tokens: expected a finite number, found a non-finite number",
    );
    const big = historyFile([makeSavedRun()]).replace('"totalMs":2000', '"totalMs":1e300');
    expect(rejection(big)).toBe(
      `runs[0].candidates[0].totalMs: too large (max ${LIMITS.durationMs})`,
    );
  });

  it("does not turn strings like NaN or Infinity into numbers", () => {
    for (const value of ['"NaN"', '"Infinity"', '"0x10"', '"1e3"']) {
      const text = historyFile([makeSavedRun()]).replace(
        '"temperature":0.7',
        `"temperature":${value}`,
      );
      expect(rejection(text)).toBe(
        "runs[0].settings.temperature: expected a finite number, found text",
      );
    }
  });

  it("rejects deeply nested junk without overflowing the stack", () => {
    const junk = "[".repeat(100_000) + "]".repeat(100_000);
    expect(rejection(historyFile([]).replace('"runs":[]', `"runs":[${junk}]`))).toMatch(
      /^runs\[0\](\[0\])+: nested too deeply \(max depth 16\)$/,
    );
    expect(rejection(historyFile([{ a: { b: { c: 1 } } }]))).toMatch(/^runs\[0\]/);
  });

  it("rejects the wrong kind of value where a run should be", () => {
    expect(rejection(historyFile([null]))).toBe("runs[0]: expected an object, found null");
    expect(
      rejection(
        JSON.stringify({ format: "refinery-history", version: 1, exportedAt: 1, runs: {} }),
      ),
    ).toBe("runs: expected an array, found an object");
  });

  it("counts further problems after the first", () => {
    const bad = rawRun((r) => {
      r.problem = 1;
      r.model = 2;
    });
    expect(rejection(historyFile([bad]))).toBe(
      "runs[0].problem: expected text, found a number (and 1 more problem)",
    );
  });
});

describe("round trip", () => {
  it("every status and every finish reason survive export and import", () => {
    const runs: SavedRun[] = (
      ["running", "complete", "stopped", "failed", "incomplete"] as const
    ).map((status, i) =>
      makeSavedRun({
        id: uuid(i + 10),
        status,
        reason: status === "failed" ? "The model crashed." : null,
      }),
    );
    runs[0]!.candidates[0] = {
      ...runs[0]!.candidates[0]!,
      finishReason: "length",
      firstTokenMs: null,
    };
    runs[1]!.refined = {
      ...runs[1]!.refined,
      shortened: {
        originalTokens: 5000,
        finalTokens: 3900,
        removedChars: [10, 0, 300],
        thinkBlocksDropped: true,
      },
    };
    expect(parse(historyToJson(runs, EXPORTED_AT))).toEqual({ ok: true, runs });
  });
});
