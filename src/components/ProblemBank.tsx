import { useMemo, useState } from "react";
import { DATASETS, filterProblems, loadDataset, type BankProblem, type DatasetId } from "../problems/bank";
import { useApp } from "../store/context";
import { DatasetSelect, NO_FILTER, ProblemFilterFields, useDatasetRows, type FilterValue } from "./ProblemFilter";

const MAX_LISTED = 200;

/** Browse the shipped benchmark problems: dataset, level, subject, search; pick one or a random one. */
export function ProblemBank() {
  const problemRef = useApp((s) => s.problemRef);
  const setProblem = useApp((s) => s.setProblem);
  const [dataset, setDataset] = useState<DatasetId>("gsm8k");
  const [filter, setFilter] = useState<FilterValue>(NO_FILTER);
  const [open, setOpen] = useState(false);
  // The dataset is fetched only once someone opens the bank (or asks for a problem).
  const { rows, error: loadError } = useDatasetRows(dataset, open);
  const [pickError, setPickError] = useState<string | null>(null);
  const error = loadError ?? pickError;

  const matches = useMemo(() => (rows ? filterProblems(rows, filter) : []), [rows, filter]);
  const pick = (row: BankProblem | undefined) => row && setProblem(row.problem, { id: row.id, dataset, answer: row.answer });
  const ensureRows = async () => {
    setOpen(true);
    return rows ?? loadDataset(dataset).catch((e: unknown) => (setPickError(e instanceof Error ? e.message : String(e)), []));
  };
  const next = async () => {
    const all = filterProblems(await ensureRows(), filter);
    const at = problemRef ? all.findIndex((r) => r.id === problemRef.id) : -1;
    pick(all[(at + 1) % Math.max(all.length, 1)]);
  };
  const random = async () => {
    const all = filterProblems(await ensureRows(), filter);
    pick(all[Math.floor(Math.random() * all.length)]);
  };

  return (
    <div className="problem-bank">
      <div className="bank-row">
        <DatasetSelect
          label="Problem bank"
          testId="bank.dataset"
          value={dataset}
          onChange={(id) => {
            setDataset(id);
            setFilter({ ...filter, level: "", subject: "" });
            setPickError(null);
            setOpen(true);
          }}
        />
        <button type="button" data-testid="bank.random" onClick={() => void random()}>
          Random problem
        </button>
        <button type="button" data-testid="bank.next" onClick={() => void next()}>
          Next
        </button>
        <button type="button" data-testid="bank.browse" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
          {open ? "Hide list" : "Browse…"}
        </button>
        {problemRef && (
          <details className="reference" data-testid="problem.reference">
            <summary>{problemRef.id} · reference answer</summary>
            <code>{problemRef.answer}</code>
          </details>
        )}
      </div>
      {error && <p className="inline-error">{error}</p>}
      {open && rows && (
        <div className="bank-browser">
          <div className="bank-row">
            <ProblemFilterFields rows={rows} value={filter} onChange={setFilter} testIdPrefix="bank" searchClassName="grow" />
            <span className="hint" data-testid="bank.count">
              {matches.length} of {rows.length} problems
            </span>
          </div>
          <ul className="bank-list" data-testid="bank.list" aria-label="Matching problems">
            {matches.slice(0, MAX_LISTED).map((r) => (
              <li key={r.id}>
                <button type="button" className="bank-item" onClick={() => pick(r)} aria-current={problemRef?.id === r.id}>
                  <span className="bank-id">{r.id}</span> {r.problem.length > 140 ? `${r.problem.slice(0, 140)}…` : r.problem}
                </button>
              </li>
            ))}
          </ul>
          {matches.length > MAX_LISTED && <p className="hint">Showing the first {MAX_LISTED}; narrow the search to see others.</p>}
          <details className="bank-sources" data-testid="bank.about">
            <summary>About these problems: sources and licences</summary>
            <ul>
              {DATASETS.map((d) => (
                <li key={d.id}>
                  <strong>{d.label}</strong>: {d.source}. Licence: {d.licence}.
                </li>
              ))}
            </ul>
            <p>
              Full provenance: <a href={`${import.meta.env.BASE_URL}datasets/SOURCES.md`} target="_blank" rel="noopener noreferrer">SOURCES.md</a>
            </p>
          </details>
        </div>
      )}
    </div>
  );
}
