/**
 * Messages between the main thread (client.ts) and the lineage worker
 * (worker.ts). Only the texts cross one way and plain ranges and numbers the
 * other; every reply names the request it answers.
 */
import type { StepLineage } from "./match";

export interface LineageRequest {
  type: "match";
  id: number;
  refined: string;
  candidates: string[];
}

export type LineageReply = { type: "matched"; id: number; lineage: StepLineage } | { type: "failed"; id: number; message: string };
