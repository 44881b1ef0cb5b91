/**
 * Exact prompt token counts from a loaded WebLLM pipeline, run inside the
 * worker. It rebuilds the prompt the way WebLLM 0.2.86 prefills a fresh chat
 * completion (`getConversationFromChatCompletionRequest`, then
 * `forwardPrefill` → `conversation.appendMessage(last user message)` +
 * `appendReplyHeader("assistant")`, then `getInputData`: encode each element
 * of `conversation.getPromptArray(config)`), using the pipeline's own
 * Conversation class and tokenizer. The count includes the template's
 * `system_prefix_token_ids` (they occupy the KV cache although WebLLM's own
 * prompt_tokens omits them).
 *
 * If the internals do not look as expected (another WebLLM version), it falls
 * back to encoding the message texts plus each role marker and separator, and
 * says the result is approximate.
 */
import type { ChatMessage } from "../../gsr/types";

/** The parts of WebLLM's LLMChatPipeline this reads; all of them are private in its typings. */
export interface PipelineInternals {
  tokenizer: { encode(text: string): ArrayLike<number> };
  config?: unknown;
  getConversationObject(): ConversationInternals;
}

interface ConvTemplateLike {
  roles?: Record<string, string>;
  seps?: string[];
  role_content_sep?: string;
  role_empty_sep?: string;
  system_template?: string;
  system_message?: string;
  system_prefix_token_ids?: number[];
}

export interface ConversationInternals {
  config: ConvTemplateLike;
  override_system_message?: string;
  appendMessage(role: "user" | "assistant", message: string, roleName?: string): void;
  appendReplyHeader(role: "assistant"): void;
  getPromptArray(config?: unknown): Array<string | unknown[]>;
}

export interface TokenCount {
  count: number;
  /** False when the fallback estimate was used. */
  exact: boolean;
}

export function countPromptTokens(pipeline: PipelineInternals, messages: readonly ChatMessage[]): TokenCount {
  const encode = (text: string) => pipeline.tokenizer.encode(text).length;
  const template = pipeline.getConversationObject().config;
  try {
    const prompts = templatedPrompt(pipeline, messages);
    let count = template.system_prefix_token_ids?.length ?? 0;
    for (const prompt of prompts) {
      if (typeof prompt === "string") count += encode(prompt);
      else for (const part of prompt) if (typeof part === "string") count += encode(part);
    }
    return { count, exact: true };
  } catch {
    return { count: approximateCount(template, messages, encode), exact: false };
  }
}

/** The prompt strings WebLLM would prefill for these messages in a fresh conversation. */
export function templatedPrompt(pipeline: PipelineInternals, messages: readonly ChatMessage[]): Array<string | unknown[]> {
  const current = pipeline.getConversationObject();
  const Conversation = current.constructor as new (config: ConvTemplateLike, isTextCompletion?: boolean) => ConversationInternals;
  if (typeof Conversation !== "function") throw new Error("No Conversation class on the pipeline");
  const conversation = new Conversation(current.config, false);
  messages.forEach((message, index) => {
    if (message.role === "system") {
      if (index !== 0) throw new Error("A system message must come first");
      conversation.override_system_message = message.content;
    } else {
      conversation.appendMessage(message.role, message.content);
    }
  });
  if (messages.at(-1)?.role !== "user") throw new Error("The last message must be from the user");
  conversation.appendReplyHeader("assistant");
  const prompts = conversation.getPromptArray(pipeline.config);
  if (!Array.isArray(prompts)) throw new Error("getPromptArray returned no array");
  return prompts;
}

function approximateCount(template: ConvTemplateLike, messages: readonly ChatMessage[], encode: (text: string) => number): number {
  const roles = template.roles ?? {};
  const sep = template.seps?.[0] ?? "\n";
  const contentSep = template.role_content_sep ?? ": ";
  let count = template.system_prefix_token_ids?.length ?? 0;
  for (const message of messages) {
    const role = message.role === "system" ? "" : (roles[message.role] ?? message.role);
    count += encode(`${role}${contentSep}${message.content}${sep}`);
  }
  return count + encode(`${roles.assistant ?? "assistant"}${template.role_empty_sep ?? contentSep}`);
}
