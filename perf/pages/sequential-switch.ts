/**
 * Bench-only wrapper around the app's engine: passes everything through, except
 * that with `sequential` on, generateMany runs its requests one after another
 * (each through the real engine, worker, store and rendering). That is the app's
 * own sequential baseline for the batching benchmark.
 */
import type { Engine, LoadedModelInfo, LoadOptions, LoadProgress, ModelSource } from "../../src/engine/types";
import type { ChatMessage, GenerationCallbacks, GenerationRequest, GenerationResult } from "../../src/gsr/types";

export class SequentialSwitch implements Engine {
  sequential = false;

  constructor(private readonly inner: Engine) {}

  get capabilities() {
    return this.inner.capabilities;
  }

  load(source: ModelSource, options: LoadOptions, onProgress: (p: LoadProgress) => void): Promise<LoadedModelInfo> {
    return this.inner.load(source, options, onProgress);
  }

  contextWindow(): number {
    return this.inner.contextWindow();
  }

  countTokens(messages: ChatMessage[]): Promise<number> {
    return this.inner.countTokens(messages);
  }

  async generateMany(requests: GenerationRequest[], callbacks: GenerationCallbacks, signal: AbortSignal): Promise<void> {
    if (!this.sequential) return this.inner.generateMany(requests, callbacks, signal);
    for (const [index, request] of requests.entries()) {
      // After an abort the orchestrator closes the sequences never started.
      if (signal.aborted) return;
      await this.inner.generateMany(
        [request],
        {
          onStart: () => callbacks.onStart?.(index),
          onDelta: (_, delta) => callbacks.onDelta(index, delta),
          onDone: (_, result) => callbacks.onDone(index, result),
          onError: (_, error) => callbacks.onError(index, error),
        },
        signal,
      );
    }
  }

  generate(request: GenerationRequest, onDelta: (delta: string) => void, signal: AbortSignal): Promise<GenerationResult> {
    return this.inner.generate(request, onDelta, signal);
  }

  unload(): Promise<void> {
    return this.inner.unload();
  }

  dispose(): void {
    this.inner.dispose();
  }
}
