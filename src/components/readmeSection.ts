/**
 * One section of the README, for help shown inside the app: the README stays
 * the one place the instructions are written, and the app (which may run on a
 * LAN with no internet) carries them with it.
 */

/** The section under the first heading that starts with `title`, down to the next heading of the same or a higher level. */
export function readmeSection(readme: string, title: string): string | null {
  const lines = readme.split("\n");
  const start = lines.findIndex((line) => /^#{1,6} /.test(line) && line.replace(/^#+ /, "").startsWith(title));
  if (start < 0) return null;
  const level = /^#+/.exec(lines[start]!)![0].length;
  let end = lines.length;
  let fenced = false;
  for (let i = start + 1; i < lines.length; i++) {
    if (lines[i]!.startsWith("```")) fenced = !fenced;
    const heading = fenced ? null : /^(#+) /.exec(lines[i]!);
    if (heading && heading[1]!.length <= level) {
      end = i;
      break;
    }
  }
  return lines.slice(start, end).join("\n").trim();
}

/** The README heading the model-host errors link to. */
export const MODEL_HOSTS_SECTION = "Hosting models on a LAN";
