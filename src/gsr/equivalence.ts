/**
 * Mathematical equivalence of final answers (DESIGN §1.6), used to group votes
 * and to score answers; the entry points only. An answer is normalised
 * (`./latex`), split into its structure (`./structure`), and compared shape by
 * shape (`./compare`) down to single values (`./scalar`, `./sampling`). The
 * accepted forms and the rules for units, percent and bases are listed in the
 * README's "Answer checking" section.
 */

import { nodesEquivalent } from "./compare";
import { LABEL, normalize } from "./latex";
import { compareKey } from "./scalar";
import { hasTopLevelRelation, parseAnswer, splitTopLevel } from "./structure";

/** Longer "answers" are derivations, not answers; they are compared as text, which keeps every check fast. */
const MAX_ANSWER_LENGTH = 1000;

/**
 * The answer as it should be shown and compared as text: no `\boxed`, math
 * delimiters, sizing commands, units, degree signs, thousands separators, or
 * leading `x =`; `\dfrac`/`\tfrac` become `\frac`, brace-less arguments get
 * braces, a percent sign is `\%` and a base is `61_{7}`.
 */
export function normalizeAnswer(answer: string): string {
  if (answer.length > MAX_ANSWER_LENGTH) return answer.trim();
  try {
    const s = normalize(answer);
    const label = LABEL.exec(s);
    if (!label) return s;
    const value = s.slice(label[0].length);
    return splitTopLevel(value, ",;").length === 1 && !hasTopLevelRelation(value) ? value : s;
  } catch {
    return answer.trim();
  }
}

/**
 * Whether two final answers are mathematically the same (DESIGN §1.6). Equal:
 * `\frac12`/`0.5`/`1/2`, `2\frac12`/`5/2`, `2(x+1)`/`2x+2`, `\sqrt8`/`2\sqrt2`,
 * `x = 1 or x = 2`/`2, 1`, `\{1,2\}`/`\{2,1\}`, `30^\circ`/`30`, `\$1,\!000`/`1000`,
 * `45\%`/`0.45`, `61_7`/`61`, `(1,2)`/`\begin{pmatrix}1\\2\end{pmatrix}`,
 * `-1 < x \le 2`/`(-1,2]`. Different: `0.33`/`\frac13`, `(1,2)`/`(2,1)`,
 * `[1,2)`/`(1,2)`, `61_7`/`43`. Pure; never throws.
 */
export function answersEquivalent(a: string, b: string): boolean {
  if (a.length > MAX_ANSWER_LENGTH || b.length > MAX_ANSWER_LENGTH) {
    return a.replace(/\s+/g, "") === b.replace(/\s+/g, "");
  }
  try {
    const left = normalize(a);
    const right = normalize(b);
    if (left === "" || right === "") return false;
    if (compareKey(left) === compareKey(right)) return true;
    return nodesEquivalent(parseAnswer(left), parseAnswer(right));
  } catch {
    try {
      return compareKey(normalizeAnswer(a)) === compareKey(normalizeAnswer(b));
    } catch {
      return false;
    }
  }
}
