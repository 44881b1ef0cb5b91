import { useRef, type KeyboardEvent } from "react";
import { useApp } from "../../store/context";
import type { CandidateView } from "../../store/runSlice";
import { stripColumns, streamTail, tabAfterKey } from "./layout";

/**
 * The compact comparison on narrow screens: one mini-panel per candidate
 * (status, final answer, tokens, the last words streamed), always in view
 * (sticky) above the one candidate shown in full. A tap on a mini-panel shows
 * that candidate; the arrow keys move between them (ARIA tabs). The last row
 * jumps to the majority vote and the refined solution.
 *
 * Answers are shown as their LaTeX source in plain text, not rendered: the
 * strip must stay cheap while N streams update it, and a mini-panel is too
 * small for typeset math anyway (the full panel below renders it).
 */
export function CandidateStrip({ count, selected, onSelect, panelId }: { count: number; selected: number; onSelect: (i: number) => void; panelId: (i: number) => string }) {
  const tabs = useRef<Array<HTMLButtonElement | null>>([]);
  const onKeyDown = (e: KeyboardEvent) => {
    const next = tabAfterKey(e.key, selected, count);
    if (next === null) return;
    e.preventDefault();
    onSelect(next);
    tabs.current[next]?.focus();
  };
  return (
    <div className="candidate-strip" data-testid="candidates.strip">
      <div
        className="strip-tabs"
        role="tablist"
        aria-label="Candidates: pick one to read in full"
        onKeyDown={onKeyDown}
        style={{ gridTemplateColumns: `repeat(${stripColumns(count)}, minmax(0, 1fr))` }}
      >
        {Array.from({ length: count }, (_, i) => (
          <MiniPanel
            key={i}
            index={i}
            selected={i === selected}
            controls={panelId(i)}
            onSelect={onSelect}
            buttonRef={(el) => {
              tabs.current[i] = el;
            }}
          />
        ))}
      </div>
      <OutcomeJumps />
    </div>
  );
}

const STATUS_SHORT: Record<CandidateView["status"], string> = {
  queued: "queued",
  streaming: "writing",
  done: "done",
  error: "failed",
  stopped: "stopped",
};

function MiniPanel({
  index,
  selected,
  controls,
  onSelect,
  buttonRef,
}: {
  index: number;
  selected: boolean;
  controls: string;
  onSelect: (i: number) => void;
  buttonRef: (el: HTMLButtonElement | null) => void;
}) {
  const c = useApp((s) => s.run?.candidates[index]);
  const inMajority = useApp((s) => s.run?.vote?.majority?.members.includes(index) ?? false);
  if (!c) return null;
  const finished = c.status === "done" || c.status === "stopped";
  const tokens = c.result?.tokens ?? c.tokens;
  return (
    <button
      type="button"
      role="tab"
      ref={buttonRef}
      className={`mini-panel ${inMajority ? "in-majority" : ""}`}
      data-testid={`candidate.${index}.tab`}
      data-status={c.status}
      aria-selected={selected}
      aria-controls={controls}
      tabIndex={selected ? 0 : -1}
      onClick={() => onSelect(index)}
    >
      <span className="mini-head">
        <span className="mini-index">#{index + 1}</span>
        <span className={`mini-status status-${c.status}`}>{STATUS_SHORT[c.status]}</span>
      </span>
      <span className="mini-answer" data-testid={`candidate.${index}.tab.answer`}>
        {finished ? (c.answer ?? "no answer") : c.status === "error" ? "—" : "…"}
        {c.correct !== null && <span className={c.correct ? "verdict correct" : "verdict incorrect"}>{c.correct ? " ✓" : " ✗"}</span>}
      </span>
      <span className="mini-tokens">{tokens} tok</span>
      {c.status === "streaming" && (
        <span className="mini-tail" aria-hidden="true" data-testid={`candidate.${index}.tab.tail`}>
          {streamTail(c.text)}
        </span>
      )}
    </button>
  );
}

/** One tap to the vote and to the refined solution, with where each stands. */
function OutcomeJumps() {
  const majority = useApp((s) => s.run?.vote?.majority?.representative ?? null);
  const hasVote = useApp((s) => Boolean(s.run?.vote));
  const refined = useApp((s) => s.run?.refined.status ?? null);
  const refinedAnswer = useApp((s) => s.run?.refined.answer ?? null);
  // An instant jump: no motion to opt out of, and nothing for a following tap to interrupt.
  const jump = (selector: string) => document.querySelector(selector)?.scrollIntoView({ block: "start" });
  return (
    <div className="strip-jumps">
      <button type="button" data-testid="candidates.jump.vote" disabled={!hasVote} onClick={() => jump(".vote")}>
        Vote{majority !== null ? `: ${majority}` : hasVote ? ": none" : ""} ↓
      </button>
      <button type="button" data-testid="candidates.jump.refined" disabled={refined === null} onClick={() => jump(".refined")}>
        Refined{refinedAnswer !== null ? `: ${refinedAnswer}` : refined === "streaming" ? ": writing" : ""} ↓
      </button>
    </div>
  );
}
