/**
 * The batched-decoding self-test as plain text, for a one-click check in
 * Settings: anyone with a WebGPU GPU can run it and paste the lines into an
 * issue. The UI shows the string in a <pre>; nothing here touches the DOM.
 */
import type { Engine } from "../types";
import type { SelfTestReport, TokenMismatch } from "./batched";
import { hasBatchedDecodingControls, type BatchStatus, type SelfTestOptions } from "./batching";

const VERDICTS: Record<SelfTestReport["verdict"], string> = {
  pass: "PASS",
  fail: "FAIL",
  unsupported: "NOT SUPPORTED",
  error: "DID NOT FINISH",
};

export interface SelfTestPageContext {
  /** The model's display name. */
  model?: string;
  /** WebLLM's GPU label, e.g. "WebGPU - NVIDIA GeForce RTX 3060". */
  gpu?: string | null;
  /** The engine's status after the test. */
  status?: BatchStatus;
}

/** The report as text lines joined with "\n". */
export function renderSelfTestReport(report: SelfTestReport, context: SelfTestPageContext = {}): string {
  const lines = [`Batched decoding self-test: ${VERDICTS[report.verdict]}`, report.reason];
  const where = [context.model ? `Model: ${context.model}` : null, context.gpu ? `GPU: ${context.gpu}` : null].filter(Boolean);
  if (where.length > 0) lines.push(where.join(" · "));
  const greedy: number[] = [];
  const sampled: number[] = [];
  for (let i = 0; i < report.n; i++) (i % 2 === 0 ? greedy : sampled).push(i + 1);
  lines.push(`Candidates: ${report.n} (greedy: ${greedy.join(", ") || "none"}; sampled: ${sampled.join(", ") || "none"})`);
  if (report.verdict === "pass" || report.verdict === "fail") {
    lines.push(`Tokens generated in the batch: ${report.tokens}`);
    const speedup = report.speedup === null ? "n/a" : `${report.speedup.toFixed(2)}×`;
    lines.push(`Batched: ${formatMs(report.batchedMs)} · One at a time: ${formatMs(report.sequentialMs)} · Speedup: ${speedup}`);
    lines.push(`Greedy candidates: ${report.mismatch ? `first mismatch at ${describeMismatch(report.mismatch)}` : "identical tokens"}`);
    lines.push(
      `Sampled candidates: ${
        report.sampledMismatch ? `first difference at ${describeMismatch(report.sampledMismatch)} (not decisive)` : "identical tokens"
      }`,
    );
  }
  if (context.status) lines.push(`Now: ${context.status.mode === "batched" ? "batched" : "one at a time"}. ${context.status.reason}`);
  return lines.join("\n");
}

/**
 * What the Settings button calls: runs the self-test on the engine's loaded
 * model and returns the text to show. Never rejects; a missing model or a
 * failure to start comes back as a line of text.
 */
export async function runSelfTestForDisplay(engine: Engine | null | undefined, options: SelfTestOptions = {}): Promise<string> {
  if (!hasBatchedDecodingControls(engine)) return "The batched decoding self-test needs the WebLLM engine.";
  const loaded = (engine as { model?: { name?: string; gpu?: string | null } | null }).model ?? null;
  try {
    const report = await engine.runSelfTest(options);
    return renderSelfTestReport(report, { model: loaded?.name, gpu: loaded?.gpu ?? null, status: engine.batchStatus() });
  } catch (error) {
    if (error instanceof Error && error.name === "ModelNotLoadedError") return "Load a WebLLM model first, then run the self-test.";
    return `The self-test could not run: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function describeMismatch(m: TokenMismatch): string {
  const token = (t: number | null) => (t === null ? "(ended)" : String(t));
  return `candidate ${m.candidate + 1}, token ${m.position + 1} (batched ${token(m.batchedToken)}, one at a time ${token(m.sequentialToken)})`;
}

function formatMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
