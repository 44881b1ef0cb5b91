import { describe, expect, it } from "vitest";
import { countPromptTokens, templatedPrompt, type ConversationInternals, type PipelineInternals } from "./tokenCount";

/** A ChatML template shaped like Qwen's conv_template in mlc-chat-config.json. */
const CHATML = {
  system_template: "<|im_start|>system\n{system_message}<|im_end|>\n",
  system_message: "You are a helpful assistant.",
  roles: { user: "<|im_start|>user", assistant: "<|im_start|>assistant" },
  seps: ["<|im_end|>\n"],
  role_content_sep: "\n",
  role_empty_sep: "\n",
};

/** A small stand-in for WebLLM's Conversation, enough of getPromptArray for text messages. */
class FakeConversation implements ConversationInternals {
  messages: Array<[string, string, string | undefined]> = [];
  override_system_message?: string;
  constructor(readonly config: typeof CHATML & { system_prefix_token_ids?: number[] }) {}
  appendMessage(role: "user" | "assistant", message: string) {
    this.messages.push([role, this.config.roles[role], message]);
  }
  appendReplyHeader(role: "assistant") {
    this.messages.push([role, this.config.roles[role], undefined]);
  }
  getPromptArray(): string[] {
    const system = this.config.system_template.replace("{system_message}", this.override_system_message ?? this.config.system_message);
    return [
      system,
      ...this.messages.map(([, roleStr, msg], i) =>
        msg === undefined ? roleStr + this.config.role_empty_sep : roleStr + this.config.role_content_sep + msg + this.config.seps[i % this.config.seps.length],
      ),
    ];
  }
}

/** One token per character makes the expected counts easy to state. */
function pipeline(config: ConstructorParameters<typeof FakeConversation>[0] = CHATML): PipelineInternals {
  const current = new FakeConversation(config);
  return { tokenizer: { encode: (text) => Array.from(text, () => 0) }, config: {}, getConversationObject: () => current };
}

describe("countPromptTokens", () => {
  it("counts the templated prompt exactly, as WebLLM prefills it", () => {
    const messages = [
      { role: "system" as const, content: "Be brief." },
      { role: "user" as const, content: "1+1?" },
    ];
    const expected =
      "<|im_start|>system\nBe brief.<|im_end|>\n" + "<|im_start|>user\n1+1?<|im_end|>\n" + "<|im_start|>assistant\n";
    expect(templatedPrompt(pipeline(), messages).join("")).toBe(expected);
    expect(countPromptTokens(pipeline(), messages)).toEqual({ count: expected.length, exact: true });
  });

  it("uses the template's default system message and counts its prefix tokens", () => {
    const withPrefix = { ...CHATML, system_prefix_token_ids: [1, 2, 3] };
    const plain = countPromptTokens(pipeline(), [{ role: "user", content: "hi" }]);
    expect(countPromptTokens(pipeline(withPrefix), [{ role: "user", content: "hi" }]).count).toBe(plain.count + 3);
    expect(plain.count).toBe(
      ("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n" + "<|im_start|>user\nhi<|im_end|>\n" + "<|im_start|>assistant\n").length,
    );
  });

  it("does not touch the pipeline's own conversation", () => {
    const p = pipeline();
    countPromptTokens(p, [{ role: "user", content: "hi" }]);
    expect((p.getConversationObject() as FakeConversation).messages).toEqual([]);
  });

  it("falls back to an approximate count when the internals differ", () => {
    const broken: PipelineInternals = {
      tokenizer: { encode: (text) => Array.from(text, () => 0) },
      getConversationObject: () => Object.assign(Object.create(null), { config: CHATML }) as ConversationInternals,
    };
    const result = countPromptTokens(broken, [{ role: "user", content: "hi" }]);
    expect(result.exact).toBe(false);
    expect(result.count).toBe(("<|im_start|>user\nhi<|im_end|>\n" + "<|im_start|>assistant\n").length);
  });
});
