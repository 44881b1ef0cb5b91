import { MathMarkdown } from "./MathMarkdown";

/** A final answer (LaTeX source from inside \boxed{}) rendered as inline math. */
export function AnswerMath({ answer }: { answer: string }) {
  return <MathMarkdown text={`$${answer.replace(/\$/g, "\\$")}$`} />;
}
