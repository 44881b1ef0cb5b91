import { useState } from "react";
import { encodeShareHash } from "../share";
import { useApp } from "../store/context";
import { ProblemBank } from "./ProblemBank";

export function ProblemPanel() {
  const problem = useApp((s) => s.problem);
  const problemRef = useApp((s) => s.problemRef);
  const setProblem = useApp((s) => s.setProblem);
  const settings = useApp((s) => s.settings);
  const [shareNote, setShareNote] = useState<string | null>(null);

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
      <ProblemBank />
      <div className="bank-row">
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
      </div>
      {shareNote && (
        <p className="hint" role="status" data-testid="problem.shareNote">
          {shareNote}
        </p>
      )}
    </div>
  );
}
