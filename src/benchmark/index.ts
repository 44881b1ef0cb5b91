/**
 * Benchmark mode, loaded on first use (the store imports it dynamically, so
 * none of it is in the initial bundle).
 */
export * from "./types";
export * from "./metrics";
export * from "./subset";
export * from "./state";
export * from "./runner";
export * from "./extraCandidate";
export * from "./export";
export * from "./training";
export { BENCHMARK_DB_NAME, BenchmarkDb, createBenchmarkStorage, storageErrorMessage } from "./storage";
export { collectDeviceInfo } from "./device";
