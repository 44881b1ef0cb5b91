import { useState } from "react";
import { useApp } from "../store/context";
import { REPLAY_SPEEDS } from "../store/replay";
import "./Lineage.css";

/**
 * Replays the saved run on screen — candidates side by side, then the vote and
 * the refinement — without the model, so a prepared run can be shown anywhere.
 */
export function ReplayBar() {
  const [speed, setSpeed] = useState(2);
  const replaySpeed = useApp((s) => s.replaySpeed);
  const canReplay = useApp((s) => s.shownRunId !== null && s.run !== null && s.run.status !== "running" && s.run.candidates.some((c) => c.text));
  const replay = useApp((s) => s.replayRun);
  const stop = useApp((s) => s.stopReplay);
  if (!canReplay && replaySpeed === null) return null;
  return (
    <div className="replay-bar" role="group" aria-label="Replay this run">
      {replaySpeed === null ? (
        <>
          <label>
            Replay speed{" "}
            <select data-testid="run.replay.speed" value={speed} onChange={(e) => setSpeed(Number(e.target.value))}>
              {REPLAY_SPEEDS.map((s) => (
                <option key={s} value={s}>
                  {s}×
                </option>
              ))}
            </select>
          </label>
          <button type="button" data-testid="run.replay" onClick={() => replay(speed)} title="Replay this saved run without the model">
            Replay
          </button>
        </>
      ) : (
        <>
          <span role="status">Replaying at {replaySpeed}× (no model needed)</span>
          <button type="button" data-testid="run.replay.stop" onClick={stop}>
            Stop replay
          </button>
        </>
      )}
    </div>
  );
}
