import { CandidateGrid } from "./CandidateGrid";
import { OutcomeStrip } from "./OutcomeStrip";
import { ReplayBar } from "./ReplayBar";
import { RefinedPanel } from "./RefinedPanel";
import { RunModelLine } from "./RunModelLine";
import { VoteSummary } from "./VoteSummary";

/** Everything a run shows. Loaded lazily with the Markdown/KaTeX renderer it needs. */
export default function RunView() {
  return (
    <>
      <RunModelLine />
      <ReplayBar />
      <CandidateGrid />
      <VoteSummary />
      <OutcomeStrip />
      <RefinedPanel />
    </>
  );
}
