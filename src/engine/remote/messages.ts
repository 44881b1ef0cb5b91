/**
 * A server failure in the error banner's shape. When a request got no readable
 * answer at all, the browser says only "Failed to fetch", so the model-URL
 * diagnosis (the app's policy, mixed content, nothing listening, no CORS) finds
 * the cause, exactly as for a model file on a LAN host.
 */
import { toUserFacing, type UserFacingError } from "../errors";
import { diagnoseUrl } from "../modelUrlDiagnosis";
import { diagnosisMessage, type Diagnose } from "../modelUrlMessages";
import { redactKey, ServerError } from "./server";

const NETWORK_CAUSES = new Set(["mixed-content", "csp", "unreachable", "cors"]);

export async function explainServerFailure(
  baseUrl: string,
  apiKey: string | null,
  error: unknown,
  diagnose: Diagnose = diagnoseUrl,
): Promise<UserFacingError> {
  if (!(error instanceof ServerError)) {
    const mapped = toUserFacing(error);
    return { ...mapped, detail: redactKey(mapped.detail, apiKey) };
  }
  const own: UserFacingError = {
    code: error.code,
    title: error.message,
    action: error.action,
    detail: "",
  };
  if (!error.message.startsWith("Could not reach")) return own;
  const diagnosis = await diagnose(`${baseUrl}/v1/models`, { expect: "any" }).catch(() => null);
  if (!diagnosis || !NETWORK_CAUSES.has(diagnosis.kind)) return own;
  const found = diagnosisMessage(diagnosis);
  return found ? { ...found, detail: `While connecting to ${new URL(baseUrl).origin}` } : own;
}
