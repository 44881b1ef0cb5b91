/// <reference lib="webworker" />
/**
 * The lineage worker: matching the refined solution's steps against N long
 * candidates compares thousands of step pairs, which must not stall the page
 * (a teacher may be scrolling or hovering while it runs).
 */
import { matchSteps } from "./match";
import type { LineageReply, LineageRequest } from "./protocol";

const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onmessage = (event: MessageEvent<LineageRequest>) => {
  const request = event.data;
  let reply: LineageReply;
  try {
    reply = { type: "matched", id: request.id, lineage: matchSteps(request.refined, request.candidates) };
  } catch (error) {
    reply = { type: "failed", id: request.id, message: error instanceof Error ? error.message : String(error) };
  }
  scope.postMessage(reply);
};
