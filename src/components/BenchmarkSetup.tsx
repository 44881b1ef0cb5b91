import { useMemo, useState } from "react";
import { parseIdList, selectProblems } from "../benchmark/subset";
import type { BenchmarkSettings, SubsetPick, SubsetSpec } from "../benchmark/types";
import type { DatasetId } from "../problems/bank";
import { useApp } from "../store/context";
import { clampSetting } from "../store/settingsSlice";
import { DatasetSelect, NO_FILTER, ProblemFilterFields, useDatasetRows, type FilterValue } from "./ProblemFilter";

type PickKind = SubsetPick["kind"];

/** Dataset, subset and sampling settings of a new benchmark, and its Start button. */
export function BenchmarkSetup() {
  const appSettings = useApp((s) => s.settings);
  const startBenchmark = useApp((s) => s.startBenchmark);
  const activity = useApp((s) => s.benchmarkActivity);
  const hasResults = useApp((s) => s.benchmark?.results.some((r) => r.score !== null) ?? false);
  const modelReady = useApp((s) => s.modelStatus === "ready");

  const [dataset, setDataset] = useState<DatasetId>("gsm8k");
  const { rows, error: loadError } = useDatasetRows(dataset);
  const [filterValue, setFilterValue] = useState<FilterValue>(NO_FILTER);
  const [pickKind, setPickKind] = useState<PickKind>("first");
  const [k, setK] = useState("20");
  const [subsetSeed, setSubsetSeed] = useState("1");
  const [ids, setIds] = useState("");
  // Sampling starts from the main settings; the benchmark keeps its own copy.
  const [n, setN] = useState(String(appSettings.n));
  const [temperature, setTemperature] = useState(String(appSettings.temperature));
  const [topP, setTopP] = useState(String(appSettings.topP));
  const [maxTokens, setMaxTokens] = useState(String(appSettings.maxTokens));
  const [seed, setSeed] = useState(String(appSettings.seed));
  const [extra, setExtra] = useState(true);

  const spec: SubsetSpec = useMemo(() => {
    const count = Math.max(0, Math.floor(Number(k) || 0));
    const pick: SubsetPick =
      pickKind === "ids"
        ? { kind: "ids", ids: parseIdList(ids) }
        : pickKind === "random"
          ? { kind: "random", k: count, seed: Math.floor(Number(subsetSeed) || 0) }
          : { kind: "first", k: count };
    const { level, subject, search } = filterValue;
    const filter: SubsetSpec["filter"] = {};
    if (level) filter.level = level;
    if (subject) filter.subject = subject;
    if (search.trim()) filter.search = search.trim();
    return { dataset, filter, pick };
  }, [dataset, filterValue, pickKind, k, subsetSeed, ids]);
  const selection = useMemo(() => (rows ? selectProblems(rows, spec) : null), [rows, spec]);

  const settings = (): BenchmarkSettings => ({
    n: clampSetting("n", Number(n)),
    sampling: {
      temperature: clampSetting("temperature", Number(temperature)),
      topP: clampSetting("topP", Number(topP)),
      maxTokens: clampSetting("maxTokens", Number(maxTokens)),
      seed: clampSetting("seed", Number(seed)),
    },
    extraCandidate: extra,
  });

  const start = () => {
    if (!selection) return;
    if (hasResults && !window.confirm("Start a new benchmark? The current results are discarded (export them first).")) return;
    void startBenchmark({ subset: spec, problems: selection.problems, settings: settings() });
  };

  const number = (id: string, label: string, value: string, set: (v: string) => void, attrs: { min: number; max: number; step: number }) => (
    <label className="setting">
      <span className="label">{label}</span>
      <input data-testid={id} type="number" inputMode="decimal" value={value} onChange={(e) => set(e.target.value)} {...attrs} />
    </label>
  );

  return (
    <fieldset className="bench-setup" disabled={activity !== "idle"}>
      <legend>New benchmark</legend>
      <div className="bank-row">
        <DatasetSelect
          label="Dataset"
          testId="bench.dataset"
          value={dataset}
          onChange={(id) => {
            setDataset(id);
            setFilterValue({ ...filterValue, level: "", subject: "" });
          }}
        />
        {rows && <ProblemFilterFields rows={rows} value={filterValue} onChange={setFilterValue} testIdPrefix="bench.filter" />}
      </div>
      <div className="bank-row">
        <label>
          <span className="label">Problems</span>
          <select data-testid="bench.subset.mode" value={pickKind} onChange={(e) => setPickKind(e.target.value as PickKind)}>
            <option value="first">the first k</option>
            <option value="random">k at random (seeded)</option>
            <option value="ids">these ids</option>
          </select>
        </label>
        {pickKind !== "ids" && number("bench.subset.k", "k", k, setK, { min: 1, max: 5000, step: 1 })}
        {pickKind === "random" && number("bench.subset.seed", "Subset seed", subsetSeed, setSubsetSeed, { min: 0, max: 2 ** 31 - 1, step: 1 })}
        {pickKind === "ids" && (
          <label className="grow">
            <span className="label">Problem ids (comma or line separated)</span>
            <textarea data-testid="bench.subset.ids" rows={2} value={ids} onChange={(e) => setIds(e.target.value)} placeholder="gsm8k:test-0, gsm8k:test-1" />
          </label>
        )}
        <span className="hint" data-testid="bench.subset.count" data-count={selection?.problems.length ?? 0}>
          {loadError ?? (selection ? `${selection.problems.length} problem${selection.problems.length === 1 ? "" : "s"} selected` : "Loading the dataset…")}
        </span>
        {selection && selection.missing.length > 0 && (
          <span className="inline-error" data-testid="bench.subset.missing">
            Not in this dataset (or filtered out): {selection.missing.join(", ")}
          </span>
        )}
      </div>
      <div className="settings">
        {number("bench.n", "Candidates (N)", n, setN, { min: 1, max: 8, step: 1 })}
        {number("bench.temperature", "Temperature", temperature, setTemperature, { min: 0, max: 2, step: 0.05 })}
        {number("bench.topP", "Top-p", topP, setTopP, { min: 0.05, max: 1, step: 0.05 })}
        {number("bench.maxTokens", "Max new tokens", maxTokens, setMaxTokens, { min: 16, max: 8192, step: 16 })}
        {number("bench.seed", "Seed", seed, setSeed, { min: 0, max: 2 ** 31 - 1, step: 1 })}
        <label className="setting bench-check">
          <input data-testid="bench.extra" type="checkbox" checked={extra} onChange={(e) => setExtra(e.target.checked)} />
          <span>
            Sample one extra candidate for maj@(N+1)
            <span className="hint"> — the equal-compute baseline; it is not voted on or refined, and its cost is counted</span>
          </span>
        </label>
      </div>
      <div className="run-buttons">
        <button
          type="button"
          className="primary"
          data-testid="bench.start"
          onClick={start}
          disabled={!selection || selection.problems.length === 0}
          title={modelReady ? undefined : "Load a model first"}
        >
          Start benchmark
        </button>
      </div>
    </fieldset>
  );
}
