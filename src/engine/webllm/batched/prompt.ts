/**
 * Builds a chat prompt's token ids exactly as WebLLM's single-sequence path does, so
 * that batched and sequential generation start from the same tokens. It drives the
 * pipeline's own `Conversation` class (not exported by the package, reached through
 * the pipeline's current conversation) with the same calls WebLLM makes:
 * `getConversationFromChatCompletionRequest` (lib/index.js l. 10876) for the
 * history, `forwardPrefill` (l. 12347) for the last message and the reply header,
 * and `getInputData` (l. 13849) for tokenization: each prompt piece is encoded on its
 * own, after the template's `system_prefix_token_ids`.
 */
import type { ChatMessage } from "../../../gsr/types";
import type { BatchablePipeline, ConversationLike } from "./internals";

/** WebLLM's empty thinking block for `enable_thinking: false` (l. 12363). */
export const EMPTY_THINKING_BLOCK = "<think>\n\n</think>\n\n";

export interface EncodedPrompt {
  /** Tokens to prefill. */
  tokens: number[];
  /**
   * Tokens WebLLM counts as the start of the reply (the empty thinking block when
   * thinking is off): part of the output text and of the `max_tokens` count.
   */
  replyPrefix: number[];
}

export interface PromptOptions {
  /** false appends WebLLM's empty thinking block (Qwen3-style models). */
  enableThinking?: boolean;
}

/** A fresh conversation holding `history` (every message but the last), as WebLLM builds it. */
export function conversationFromHistory(
  pipeline: BatchablePipeline,
  history: readonly ChatMessage[],
): ConversationLike {
  const template = pipeline.getConversationObject();
  const Conversation = template.constructor as new (
    config: unknown,
    isTextCompletion: boolean,
  ) => ConversationLike;
  const conversation = new Conversation(template.config, false);
  history.forEach((message, i) => {
    if (message.role === "system") {
      if (i !== 0) throw new Error("A system message may only come first.");
      conversation.override_system_message = message.content;
    } else {
      conversation.appendMessage(message.role, message.content);
    }
  });
  return conversation;
}

export function encodeChatPrompt(
  pipeline: BatchablePipeline,
  messages: readonly ChatMessage[],
  options: PromptOptions = {},
): EncodedPrompt {
  const last = messages.at(-1);
  if (last?.role !== "user") throw new Error("The last message must come from the user.");
  const conversation = conversationFromHistory(pipeline, messages.slice(0, -1));
  conversation.appendMessage("user", last.content);
  let replyPrefix: number[] = [];
  if (options.enableThinking === false) {
    replyPrefix = Array.from(pipeline.tokenizer.encode(EMPTY_THINKING_BLOCK));
    conversation.appendEmptyThinkingReplyHeader("assistant", EMPTY_THINKING_BLOCK);
  } else {
    conversation.appendReplyHeader("assistant");
  }
  const tokens = [...(conversation.config.system_prefix_token_ids ?? [])];
  for (const piece of conversation.getPromptArray(pipeline.config)) {
    if (typeof piece !== "string") throw new Error("Batched decoding supports text-only prompts.");
    for (const id of pipeline.tokenizer.encode(piece)) tokens.push(id);
  }
  return { tokens, replyPrefix };
}
