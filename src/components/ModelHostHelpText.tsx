/** The README section itself, bundled with the app (its own chunk, loaded when asked for). */
import readme from "../../README.md?raw";
import { MathMarkdown } from "./MathMarkdown";
import { MODEL_HOSTS_SECTION, readmeSection } from "./readmeSection";

const section = readmeSection(readme, MODEL_HOSTS_SECTION) ?? "";

export default function ModelHostHelpText() {
  return (
    <div className="model-host-help-text">
      <MathMarkdown text={section} />
    </div>
  );
}
