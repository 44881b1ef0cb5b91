/** A correct/incorrect mark against the reference answer; nothing when there is no reference. */
export function Verdict({ correct, testId }: { correct: boolean | null; testId?: string }) {
  if (correct === null) return null;
  return (
    <span className={`verdict ${correct ? "correct" : "incorrect"}`} data-testid={testId} data-correct={String(correct)}>
      {correct ? "✓ correct" : "✗ incorrect"}
    </span>
  );
}
