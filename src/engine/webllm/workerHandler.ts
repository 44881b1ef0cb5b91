/**
 * The worker's answers to our side-channel requests (protocol.ts), kept apart
 * from worker.ts so tests can drive them with a fake engine and pipeline.
 * `engine` is WebLLM's `MLCEngine` as the worker's `WebWorkerMLCEngineHandler`
 * holds it: its maps are private in WebLLM's typings but plain fields at run
 * time (0.2.86, lib/index.js l. 18086–18090, set in `reload` l. 18328–18329,
 * cleared in `unload` l. 18356–18359).
 *
 * Batched runs and self-tests hold the model's own lock
 * (`loadedModelIdToLock.get(modelId)`, a `CustomLock` with `acquire()` and
 * `release()`, l. 11509), the lock WebLLM's `asyncGenerate` takes around every
 * generation (l. 18558): a chat completion that arrives meanwhile waits for the
 * batch, and the batch waits for a running one, so only one of them drives the
 * GPU at a time.
 */
import { serializeError } from "../errors";
import {
  asBatchablePipeline,
  BatchedDecodeError,
  checkBatchSupport,
  readModelMetadata,
  runBatched,
  runSelfTest,
  selfTestReport,
  type SelfTestReport,
  type SequentialPipeline,
} from "./batched";
import {
  CHANNEL,
  type BatchedUnavailablePhase,
  type GpuAdapterSummary,
  type RefineryReply,
  type RefineryRequest,
  type WorkerModelInfo,
} from "./protocol";
import { countPromptTokens, type PipelineInternals } from "./tokenCount";

/** WebLLM's `CustomLock`. */
export interface ModelLock {
  acquire(): Promise<void>;
  release(): Promise<void>;
}

/** The fields of WebLLM's `MLCEngine` read here. */
export interface WebLlmEngineInternals {
  loadedModelIdToPipeline: Map<string, unknown>;
  loadedModelIdToChatConfig: Map<string, Record<string, unknown>>;
  loadedModelIdToLock: Map<string, ModelLock>;
}

export interface RefineryHandlerDeps {
  engine: WebLlmEngineInternals;
  /** Posts a reply to the main thread. */
  reply(message: RefineryReply): void;
  /** Clock in milliseconds (performance.now in the worker). */
  now(): number;
  /** The GPU adapter, for naming the device a self-test verdict belongs to. */
  adapterInfo?(): Promise<GpuAdapterSummary | null>;
  /** Test seams. */
  runBatched?: typeof runBatched;
  runSelfTest?: typeof runSelfTest;
}

export interface RefineryHandler {
  /** Answers one request; resolves once its last reply is posted. Never rejects. */
  handle(request: RefineryRequest): Promise<void>;
  /** Ids of batched runs and self-tests still running (abortable). */
  running(): number[];
}

export function createRefineryHandler(deps: RefineryHandlerDeps): RefineryHandler {
  const { engine, reply } = deps;
  const run = deps.runBatched ?? runBatched;
  const selfTest = deps.runSelfTest ?? runSelfTest;
  const controllers = new Map<number, AbortController>();
  let adapter: Promise<GpuAdapterSummary | null> | null = null;

  const adapterOnce = (): Promise<GpuAdapterSummary | null> => {
    adapter ??= (deps.adapterInfo?.() ?? Promise.resolve(null)).catch(() => null);
    return adapter;
  };

  const requirePipeline = (modelId: string): unknown => {
    const pipeline = engine.loadedModelIdToPipeline.get(modelId);
    if (!pipeline) throw notLoaded(modelId);
    return pipeline;
  };

  /** Runs `action` holding the model's lock; fails if the model was unloaded or replaced while it waited. */
  const withModelLock = async <T>(modelId: string, pipeline: unknown, action: () => Promise<T>): Promise<T> => {
    const lock = engine.loadedModelIdToLock.get(modelId);
    if (!lock) throw notLoaded(modelId);
    await lock.acquire();
    try {
      if (engine.loadedModelIdToPipeline.get(modelId) !== pipeline) throw notLoaded(modelId);
      return await action();
    } finally {
      // unload() clears the lock map but not this lock object: releasing it hands it on or frees it.
      await lock.release().catch(() => undefined);
    }
  };

  const modelInfo = async (modelId: string): Promise<WorkerModelInfo> => {
    requirePipeline(modelId);
    const config = engine.loadedModelIdToChatConfig.get(modelId) ?? {};
    const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : null);
    const contextWindow = num(config.context_window_size);
    const slidingWindow = num(config.sliding_window_size);
    const template = config.conv_template as { name?: unknown } | undefined;
    return {
      modelId,
      contextWindow: contextWindow ?? slidingWindow ?? 0,
      slidingWindow: contextWindow === null && slidingWindow !== null,
      prefillChunkSize: num(config.prefill_chunk_size),
      vocabSize: num(config.vocab_size),
      convTemplate: typeof template?.name === "string" ? template.name : null,
      adapter: await adapterOnce(),
    };
  };

  const generateBatched = async (request: Extract<RefineryRequest, { type: "generate-batched" }>, signal: AbortSignal) => {
    const { id, modelId, requests } = request;
    const unavailable = (phase: BatchedUnavailablePhase, reason: string, partial: BatchedDecodeError["partial"] = []) =>
      reply({
        channel: CHANNEL,
        type: "batched-unavailable",
        id,
        phase,
        reason,
        partial: partial.map((p) => ({ index: p.index, text: p.text, tokens: p.tokenIds.length, result: p.result })),
      });
    const pipeline = requirePipeline(modelId);
    const support = checkBatchSupport(pipeline, requests.length);
    const batchable = asBatchablePipeline(pipeline);
    if (!support.ok || !batchable) return unavailable("support", support.ok ? "The pipeline cannot batch." : support.reason);
    await withModelLock(modelId, pipeline, async () => {
      try {
        await run(
          batchable,
          requests,
          {
            onStart: (index) => reply({ channel: CHANNEL, type: "seq-start", id, index }),
            onDelta: (index, delta) => reply({ channel: CHANNEL, type: "seq-delta", id, index, delta }),
            onDone: (index, result) => reply({ channel: CHANNEL, type: "seq-done", id, index, result }),
            onError: (index, error) => reply({ channel: CHANNEL, type: "seq-error", id, index, error: serializeError(error) }),
          },
          signal,
          { now: deps.now },
        );
        reply({ channel: CHANNEL, type: "generate-done", id });
      } catch (error) {
        if (!isBatchedDecodeError(error)) throw error;
        unavailable(error.phase, error.message, error.partial);
      }
    });
  };

  const runTest = async (request: Extract<RefineryRequest, { type: "self-test" }>, signal: AbortSignal): Promise<SelfTestReport> => {
    const pipeline = requirePipeline(request.modelId);
    const n = request.n ?? 4;
    if (asBatchablePipeline(pipeline) && !hasSequentialSteps(pipeline)) {
      return selfTestReport(n, "unsupported", "This WebLLM build does not expose the single-sequence steps the self-test compares against.");
    }
    return withModelLock(request.modelId, pipeline, () =>
      selfTest(pipeline as SequentialPipeline, {
        now: deps.now,
        signal,
        n,
        ...(request.maxTokens !== undefined ? { maxTokens: request.maxTokens } : {}),
      }),
    );
  };

  const handle = async (request: RefineryRequest): Promise<void> => {
    if (request.type === "abort") {
      controllers.get(request.id)?.abort();
      return;
    }
    // Registered before the first await, so an abort posted right after the request finds it.
    const controller = request.type === "generate-batched" || request.type === "self-test" ? new AbortController() : null;
    if (controller) controllers.set(request.id, controller);
    try {
      switch (request.type) {
        case "model-info":
          reply({ channel: CHANNEL, type: "model-info", id: request.id, info: await modelInfo(request.modelId) });
          break;
        case "count-tokens": {
          // Tokenising is plain JS on the CPU: safe beside a running generation.
          const pipeline = requirePipeline(request.modelId) as PipelineInternals;
          const { count, exact } = countPromptTokens(pipeline, request.messages);
          reply({ channel: CHANNEL, type: "token-count", id: request.id, count, exact });
          break;
        }
        case "check-batch": {
          // Cheap (function lookups and the library's metadata), but it opens tvm scopes: take the lock anyway.
          const pipeline = requirePipeline(request.modelId);
          const { support, maxBatchSize } = await withModelLock(request.modelId, pipeline, async () => {
            const support = checkBatchSupport(pipeline, request.n);
            const batchable = asBatchablePipeline(pipeline);
            let maxBatchSize: number | null = null;
            if (support.ok && batchable) {
              try {
                maxBatchSize = readModelMetadata(batchable).max_batch_size ?? null;
              } catch {
                // checkBatchSupport has just read it; a second failure leaves the size unknown
              }
            }
            return { support, maxBatchSize };
          });
          reply({ channel: CHANNEL, type: "batch-support", id: request.id, support, maxBatchSize });
          break;
        }
        case "generate-batched":
          await generateBatched(request, controller!.signal);
          break;
        case "self-test":
          reply({ channel: CHANNEL, type: "self-test-report", id: request.id, report: await runTest(request, controller!.signal) });
          break;
        default: {
          const unhandled: never = request;
          throw new Error(`Unknown request ${JSON.stringify(unhandled)}`);
        }
      }
    } catch (error) {
      reply({ channel: CHANNEL, type: "error", id: request.id, error: serializeError(error) });
    } finally {
      if (controller) controllers.delete(request.id);
    }
  };

  return { handle, running: () => [...controllers.keys()] };
}

function notLoaded(modelId: string): Error {
  return Object.assign(new Error(`${modelId} is not loaded.`), { name: "ModelNotLoadedError" });
}

/** By name too: an error from another copy of the module (a test seam) is still one. */
function isBatchedDecodeError(error: unknown): error is BatchedDecodeError {
  return error instanceof BatchedDecodeError || (error instanceof Error && error.name === "BatchedDecodeError" && "partial" in error);
}

const SEQUENTIAL_STEPS = ["resetChat", "setConversation", "setSeed", "prefillStep", "decodeStep", "stopped"] as const;

function hasSequentialSteps(pipeline: unknown): boolean {
  const record = pipeline as Record<string, unknown>;
  return SEQUENTIAL_STEPS.every((name) => typeof record[name] === "function") && Array.isArray(record.outputIds);
}


