/**
 * Batched parallel decoding on WebLLM 0.2.86: N candidates in one forward pass per
 * step, on a pipeline the WebLLM worker already has loaded. Runs inside the worker
 * (it touches the GPU through the pipeline); only `selfTestStore` and `deviceKey`
 * belong on the main thread, where localStorage is.
 */
export {
  BatchedDecodeError,
  runBatched,
  type BatchedDecodeOptions,
  type BatchedPhase,
  type CandidatePartial,
} from "./decoder";
export { KV_PAGE_SIZE } from "./kvSession";
export {
  asBatchablePipeline,
  checkBatchSupport,
  readModelMetadata,
  type BatchSupport,
  type ModelLibraryMetadata,
} from "./support";
export {
  compareTokenStreams,
  createSelfTestStore,
  decodeWithPipeline,
  deviceKey,
  memoryStorage,
  runSelfTest,
  selfTestStore,
  selfTestReport,
  type SelfTestDeps,
  type SelfTestReport,
  type SelfTestStore,
  type SelfTestVerdict,
  type StoredVerdict,
  type TokenMismatch,
} from "./selftest";
export { encodeChatPrompt, type EncodedPrompt } from "./prompt";
export type { BatchablePipeline, SequentialPipeline } from "./internals";
