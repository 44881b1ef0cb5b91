import { useState } from "react";
import { DATASETS, loadDataset, type BankProblem, type DatasetId } from "../problems/bank";
import { encodeShareHash } from "../share";
import { useApp } from "../store/context";

export function ProblemPanel() {
  const problem = useApp((s) => s.problem);
  const problemRef = useApp((s) => s.problemRef);
  const setProblem = useApp((s) => s.setProblem);
  const settings = useApp((s) => s.settings);
  const [shareNote, setShareNote] = useState<string | null>(null);
  const [dataset, setDataset] = useState<DatasetId>("gsm8k");
  const [bankError, setBankError] = useState<string | null>(null);
  const [loadingBank, setLoadingBank] = useState(false);

  const pick = async (choose: (rows: BankProblem[]) => BankProblem | undefined) => {
    setLoadingBank(true);
    setBankError(null);
    try {
      const rows = await loadDataset(dataset);
      const row = choose(rows);
      if (row) setProblem(row.problem, { id: row.id, dataset, answer: row.answer });
    } catch (error) {
      setBankError(error instanceof Error ? error.message : String(error));
    } finally {
      setLoadingBank(false);
    }
  };
  const nextIndex = (rows: BankProblem[]) => {
    const current = problemRef ? rows.findIndex((r) => r.id === problemRef.id) : -1;
    return rows[(current + 1) % rows.length];
  };

  return (
    <div className="problem-panel">
      <label className="problem-label" htmlFor="problem-input">
        Math problem
      </label>
      <textarea
        id="problem-input"
        data-testid="problem.input"
        rows={4}
        placeholder="Type a problem, e.g. What is 17 + 25? — or pick one from the bank below. Ctrl+Enter runs."
        value={problem}
        // Editing the text detaches it from the bank's reference answer.
        onChange={(e) => setProblem(e.target.value, problemRef && e.target.value === problem ? problemRef : null)}
      />
      <div className="bank-row">
        <label>
          <span className="label">Problem bank</span>
          <select data-testid="bank.dataset" value={dataset} onChange={(e) => setDataset(e.target.value as DatasetId)}>
            {DATASETS.map((d) => (
              <option key={d.id} value={d.id}>
                {d.label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" data-testid="bank.random" disabled={loadingBank} onClick={() => void pick((rows) => rows[Math.floor(Math.random() * rows.length)])}>
          Random problem
        </button>
        <button type="button" data-testid="bank.next" disabled={loadingBank} onClick={() => void pick(nextIndex)}>
          Next
        </button>
        <button
          type="button"
          data-testid="problem.share"
          disabled={!problem.trim()}
          onClick={() => {
            const { n, temperature, topP, maxTokens, seed } = settings;
            const hash = encodeShareHash({ problem, settings: { n, temperature, topP, maxTokens, seed } });
            const link = `${location.origin}${location.pathname}${location.search}${hash}`;
            history.replaceState(null, "", hash);
            const fallback = () => setShareNote("The link is in the address bar; copy it from there.");
            if (!navigator.clipboard) fallback();
            else
              navigator.clipboard
                .writeText(link)
                .then(() => setShareNote("Link copied: it opens this problem and these settings (nothing runs by itself)."), fallback);
          }}
        >
          Share link
        </button>
        {problemRef && (
          <details className="reference" data-testid="problem.reference">
            <summary>
              {problemRef.id} · reference answer
            </summary>
            <code>{problemRef.answer}</code>
          </details>
        )}
      </div>
      {bankError && <p className="inline-error">{bankError}</p>}
      {shareNote && (
        <p className="hint" role="status" data-testid="problem.shareNote">
          {shareNote}
        </p>
      )}
    </div>
  );
}
