import { CandidateGrid } from "./CandidateGrid";
import { RefinedPanel } from "./RefinedPanel";
import { VoteSummary } from "./VoteSummary";

/** Everything a run shows. Loaded lazily with the Markdown/KaTeX renderer it needs. */
export default function RunView() {
  return (
    <>
      <CandidateGrid />
      <VoteSummary />
      <RefinedPanel />
    </>
  );
}
