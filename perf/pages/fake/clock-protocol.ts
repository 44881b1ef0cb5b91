/**
 * Messages between the fake engine (main thread) and its token clock (a worker).
 * Like the real engine's worker, the clock posts one message per token, so the
 * main thread pays the same per-token message cost as with wllama.
 */
export type ClockRequest =
  | {
      type: "start";
      id: number;
      /** Tokens per second of each sequence. */
      rate: number;
      sequences: { index: number; tokens: string[] }[];
    }
  | { type: "abort"; id: number };

export type ClockReply =
  | { type: "token"; id: number; index: number; text: string }
  | { type: "end"; id: number; index: number };
