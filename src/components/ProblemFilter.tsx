/**
 * What the problem bank and the benchmark setup share: the dataset picker,
 * loading a dataset's problems, and the level / subject / search fields that
 * narrow them.
 */
import { useEffect, useMemo, useState } from "react";
import { DATASETS, facets, loadDataset, type BankFilter, type BankProblem, type DatasetId } from "../problems/bank";

/** A select of the shipped datasets. */
export function DatasetSelect({ label, testId, value, onChange }: { label: string; testId: string; value: DatasetId; onChange: (dataset: DatasetId) => void }) {
  return (
    <label>
      <span className="label">{label}</span>
      <select data-testid={testId} value={value} onChange={(e) => onChange(e.target.value as DatasetId)}>
        {DATASETS.map((d) => (
          <option key={d.id} value={d.id}>
            {d.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The problems of `dataset`, fetched once `enabled`; null while loading. */
export function useDatasetRows(dataset: DatasetId, enabled = true): { rows: BankProblem[] | null; error: string | null } {
  const [loaded, setLoaded] = useState<{ dataset: DatasetId; rows: BankProblem[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!enabled) return;
    let current = true;
    loadDataset(dataset).then(
      (rows) => current && (setLoaded({ dataset, rows }), setError(null)),
      (e: unknown) => current && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      current = false;
    };
  }, [dataset, enabled]);
  return { rows: loaded?.dataset === dataset ? loaded.rows : null, error };
}

export type FilterValue = Required<Pick<BankFilter, "level" | "subject" | "search">>;

export const NO_FILTER: FilterValue = { level: "", subject: "", search: "" };

interface ProblemFilterFieldsProps {
  rows: readonly BankProblem[];
  value: FilterValue;
  onChange: (value: FilterValue) => void;
  /** Test ids are `${testIdPrefix}.level`, `.subject` and `.search`. */
  testIdPrefix: string;
  /** Class of the search field's label (e.g. "grow" to fill the row). */
  searchClassName?: string;
}

/** Level and subject selects (only where the dataset has them) and a search field. */
export function ProblemFilterFields({ rows, value, onChange, testIdPrefix, searchClassName }: ProblemFilterFieldsProps) {
  const { levels, subjects } = useMemo(() => facets(rows), [rows]);
  const select = (field: "level" | "subject", label: string, options: readonly string[]) =>
    options.length > 0 && (
      <label>
        <span className="label">{label}</span>
        <select data-testid={`${testIdPrefix}.${field}`} value={value[field]} onChange={(e) => onChange({ ...value, [field]: e.target.value })}>
          <option value="">any</option>
          {options.map((o) => (
            <option key={o}>{o}</option>
          ))}
        </select>
      </label>
    );
  return (
    <>
      {select("level", "Level", levels)}
      {select("subject", "Subject", subjects)}
      <label className={searchClassName}>
        <span className="label">Search</span>
        <input
          data-testid={`${testIdPrefix}.search`}
          type="search"
          value={value.search}
          onChange={(e) => onChange({ ...value, search: e.target.value })}
          placeholder="words in the problem or its id"
        />
      </label>
    </>
  );
}
