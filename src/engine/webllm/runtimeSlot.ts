/**
 * The engine's hold on the WebLLM worker: the runtime is started on first use,
 * shared by loading and both generation paths, and dropped when its worker dies
 * so that the next load starts a fresh one. Kept apart from client.ts because a
 * crash cuts across everything the engine does: every wait on the worker goes
 * through `race`, which also ends when the worker dies.
 */
import { abortError } from "./errors";
import type { WebLlmRuntime, WebLlmRuntimeFactory } from "./runtime";

export class RuntimeSlot {
  private runtimePromise: Promise<WebLlmRuntime> | null = null;
  private runtime: WebLlmRuntime | null = null;
  /** Rejecters of the waits in flight on each runtime, failed together when its worker dies. */
  private readonly crashWaiters = new WeakMap<WebLlmRuntime, { failure: Error | null; waiters: Set<(error: Error) => void> }>();

  /** `onCrash` runs when the current runtime's worker dies, after the runtime is dropped. */
  constructor(
    private readonly createRuntime: WebLlmRuntimeFactory,
    private readonly onCrash: () => void,
  ) {}

  /** The started runtime; null before the first start and after a crash or dispose. */
  get current(): WebLlmRuntime | null {
    return this.runtime;
  }

  start(): Promise<WebLlmRuntime> {
    if (!this.runtimePromise) {
      const promise = this.createRuntime().then((runtime) => {
        if (this.runtimePromise !== promise) {
          runtime.terminate(); // disposed while starting
          throw abortError("The WebLLM engine was disposed.");
        }
        this.runtime = runtime;
        const crash = { failure: null as Error | null, waiters: new Set<(error: Error) => void>() };
        this.crashWaiters.set(runtime, crash);
        runtime.crashed.catch((error: unknown) => {
          crash.failure = error instanceof Error ? error : new Error(String(error));
          for (const fail of crash.waiters) fail(crash.failure);
          crash.waiters.clear();
          // A dead worker takes the model with it; the next load starts a fresh one.
          if (this.runtime !== runtime) return;
          runtime.terminate();
          this.runtime = null;
          this.runtimePromise = null;
          this.onCrash();
        });
        return runtime;
      });
      promise.catch(() => {
        if (this.runtimePromise === promise) this.runtimePromise = null;
      });
      this.runtimePromise = promise;
    }
    return this.runtimePromise;
  }

  /**
   * A wait that also ends when the worker dies. (Not Promise.race with
   * `runtime.crashed`: that would pin one reaction per streamed chunk on a
   * promise that lives as long as the worker.)
   */
  race<T>(runtime: WebLlmRuntime, promise: Promise<T>): Promise<T> {
    const crash = this.crashWaiters.get(runtime);
    if (!crash) return promise;
    if (crash.failure) return Promise.reject(crash.failure);
    return new Promise<T>((resolve, reject) => {
      crash.waiters.add(reject);
      promise.then(resolve, reject).finally(() => crash.waiters.delete(reject));
    });
  }

  dispose(): void {
    this.runtime?.terminate();
    this.runtime = null;
    this.runtimePromise = null;
  }
}
