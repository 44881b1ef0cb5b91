import { describe, expect, it } from "vitest";
import { FakeConversation, FakePipeline } from "./testing/fakeTvm";
import { conversationFromHistory, EMPTY_THINKING_BLOCK, encodeChatPrompt } from "./prompt";

describe("encodeChatPrompt", () => {
  it("encodes each prompt piece of the pipeline's own conversation template", () => {
    const fake = new FakePipeline();
    const { tokens, replyPrefix } = encodeChatPrompt(fake, [
      { role: "system", content: "S" },
      { role: "user", content: "Q1" },
      { role: "assistant", content: "A1" },
      { role: "user", content: "Q2" },
    ]);
    expect(fake.tokenizer.decode(Int32Array.from(tokens))).toBe(
      "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ1<|im_end|>\n<|im_start|>assistant\nA1<|im_end|>\n<|im_start|>user\nQ2<|im_end|>\n<|im_start|>assistant\n",
    );
    expect(replyPrefix).toEqual([]);
  });

  it("puts the template's system_prefix_token_ids first", () => {
    const fake = new FakePipeline();
    const template = fake.getConversationObject() as FakeConversation;
    fake.setConversation(
      new FakeConversation({ ...template.config, system_prefix_token_ids: [9, 8] }),
    );
    expect(encodeChatPrompt(fake, [{ role: "user", content: "x" }]).tokens.slice(0, 2)).toEqual([
      9, 8,
    ]);
  });

  it("adds WebLLM's empty thinking block when thinking is off", () => {
    const fake = new FakePipeline();
    const { tokens, replyPrefix } = encodeChatPrompt(fake, [{ role: "user", content: "x" }], {
      enableThinking: false,
    });
    expect(fake.tokenizer.decode(Int32Array.from(replyPrefix))).toBe(EMPTY_THINKING_BLOCK);
    expect(
      fake.tokenizer
        .decode(Int32Array.from(tokens))
        .endsWith(`<|im_start|>assistant\n${EMPTY_THINKING_BLOCK}`),
    ).toBe(true);
  });

  it("rejects what WebLLM rejects", () => {
    const fake = new FakePipeline();
    expect(() => encodeChatPrompt(fake, [{ role: "assistant", content: "x" }])).toThrow(
      /last message/,
    );
    expect(() =>
      conversationFromHistory(fake, [
        { role: "user", content: "a" },
        { role: "system", content: "b" },
      ]),
    ).toThrow(/system message/);
  });
});
