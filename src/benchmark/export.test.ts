import { describe, expect, it } from "vitest";
import packageJson from "../../package.json";
import { APP_VERSION, CSV_COLUMNS, csvField, resultsToCsv, resultsToJson } from "./export";
import { summarize } from "./metrics";
import { scoredResults } from "./state";
import { finishedBenchmark } from "./testing/fixtures";
import type { BenchmarkState } from "./types";

describe("results CSV", () => {
  it("has a header and one row per scored problem", async () => {
    const state = await finishedBenchmark();
    const lines = resultsToCsv(state).trimEnd().split("\r\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(CSV_COLUMNS.join(","));
    const row = Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, splitCsvLine(lines[3]!)[i]]));
    expect(row).toMatchObject({
      index: "3",
      problem_id: "t-3",
      reference: "7",
      status: "done",
      n: "2",
      candidate_answers: "7 | (1, 2)",
      candidates_correct: "1",
      pass1: "0.5",
      majN_answer: "7",
      majN_correct: "1",
      gsr_correct: "0",
      regression: "1",
      tokens_total: "40",
    });
    expect(splitCsvLine(lines[2]!)[CSV_COLUMNS.indexOf("rescue")]).toBe("1");
  });

  it("leaves out problems not yet run", async () => {
    const state = await finishedBenchmark();
    const partial: BenchmarkState = { ...state, results: state.results.map((r, i) => (i === 1 ? { ...r, status: "pending", outcome: null, score: null } : r)) };
    expect(resultsToCsv(partial).trimEnd().split("\r\n")).toHaveLength(3);
  });

  it("quotes what needs quoting and defuses formulas", () => {
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("=1+2")).toBe("'=1+2");
    expect(csvField("-\\frac{1}{2}")).toBe("-\\frac{1}{2}");
    expect(csvField(true)).toBe("1");
    expect(csvField(null)).toBe("");
    expect(csvField(0.5)).toBe("0.5");
  });
});

/** A small CSV line splitter for the test (quoted fields with commas). */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      out.push(field);
      field = "";
    }
    else field += ch;
  }
  out.push(field);
  return out;
}

describe("results JSON", () => {
  it("holds settings, model, engine, device, app version, summary and every problem", async () => {
    const state = await finishedBenchmark();
    const summary = summarize(scoredResults(state).map((s) => s.score));
    const device = { userAgent: "UA", hardwareConcurrency: 8, adapter: null };
    const json = JSON.parse(resultsToJson(state, summary, { exportedAt: 5, device }));
    expect(json.format).toBe("refinery-benchmark");
    expect(json.app).toEqual({ name: "refinery", version: packageJson.version });
    expect(APP_VERSION).toBe(packageJson.version);
    expect(json.device).toEqual(device);
    expect(json.benchmark).toMatchObject({ model: "tiny", engine: "wllama", dataset: "test", status: "complete" });
    expect(json.benchmark.settings.n).toBe(2);
    expect(json.summary.gsr.count).toBe(2);
    expect(json.summary.rescue.count).toBe(1);
    expect(json.problems).toHaveLength(3);
    expect(json.problems[0].outcome.candidates[0].text).toContain("\\boxed{42}");
  });
});
