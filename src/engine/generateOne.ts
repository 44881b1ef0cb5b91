import type { GenerationPort, GenerationRequest, GenerationResult } from "../gsr/types";

/** One sequence through an engine's generateMany: the shared body of every engine's `generate`. */
export async function generateOne(
  port: Pick<GenerationPort, "generateMany">,
  request: GenerationRequest,
  onDelta: (delta: string) => void,
  signal: AbortSignal,
): Promise<GenerationResult> {
  let outcome: GenerationResult | Error = new Error("The engine ended the generation without a result.");
  await port.generateMany(
    [request],
    {
      onDelta: (_, delta) => onDelta(delta),
      onDone: (_, result) => (outcome = result),
      onError: (_, error) => (outcome = error),
    },
    signal,
  );
  if (outcome instanceof Error) throw outcome;
  return outcome;
}
