// What a researcher may submit, as zod schemas. Each message names the field
// and says how to fix it, because it is shown next to that field in the form.
import { z } from "zod";
import { TEMPLATE_KEYS, type TemplateKey } from "./templates.ts";

// The same rule as the Participant CRD's spec.participantId.
export const PARTICIPANT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
export const MESSAGE_MIN = 10;
export const MESSAGE_MAX = 2000;
export const REQUESTER_MIN = 2;
export const REQUESTER_MAX = 100;

// Tabs and newlines are fine in a message; other control characters are not
// (they have no meaning in a plain-text email and hide content from review).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

export const participantIdSchema = z
  .string({ error: "Enter the participant ID" })
  .trim()
  .min(1, { error: "Enter the participant ID" })
  .max(63, { error: "Participant ID must be at most 63 characters" })
  .regex(PARTICIPANT_ID_PATTERN, {
    error: "Participant ID may contain only letters, digits, \".\", \"_\" and \"-\", starting with a letter or digit, e.g. P001",
  });

export const submissionSchema = z.object({
  participant: participantIdSchema,
  template: z.enum(TEMPLATE_KEYS, { error: "Choose one of the message templates" }),
  message: z
    .string({ error: "Enter a message" })
    .transform((s) => s.replace(/\r\n?/g, "\n").trim())
    .pipe(
      z
        .string()
        .min(MESSAGE_MIN, { error: `Message must be at least ${MESSAGE_MIN} characters; write a few words to the participant` })
        .max(MESSAGE_MAX, { error: `Message must be at most ${MESSAGE_MAX} characters; shorten it` })
        .refine((s) => !CONTROL_CHARS.test(s), { error: "Message contains control characters; remove them" }),
    ),
  requester: z
    .string({ error: "Enter your name" })
    .trim()
    .min(REQUESTER_MIN, { error: `Your name must be at least ${REQUESTER_MIN} characters` })
    .max(REQUESTER_MAX, { error: `Your name must be at most ${REQUESTER_MAX} characters` })
    .refine((s) => !CONTROL_CHARS.test(s) && !s.includes("\n"), { error: "Your name must be one line of text" }),
});

export type Submission = z.infer<typeof submissionSchema>;
export type SubmissionField = keyof Submission;
export type FieldErrors = Partial<Record<SubmissionField, string>>;

/** The raw values, as strings, to put back into the form after an error. */
export interface SubmissionDraft {
  participant: string;
  template: TemplateKey | "";
  message: string;
  requester: string;
}

export type ParseResult = { ok: true; value: Submission } | { ok: false; errors: FieldErrors; draft: SubmissionDraft };

const FIELD_ORDER: readonly SubmissionField[] = ["participant", "template", "message", "requester"];

function text(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  return typeof v === "string" ? v : "";
}

export function draftFrom(body: Record<string, unknown>): SubmissionDraft {
  const t = text(body, "template");
  return {
    participant: text(body, "participant"),
    template: (TEMPLATE_KEYS as readonly string[]).includes(t) ? (t as TemplateKey) : "",
    message: text(body, "message"),
    requester: text(body, "requester"),
  };
}

/** Validates a form body; on failure returns one message per field, in form order. */
export function parseSubmission(body: unknown): ParseResult {
  const record = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const result = submissionSchema.safeParse(record);
  if (result.success) return { ok: true, value: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path[0];
    if (typeof field === "string" && (FIELD_ORDER as readonly string[]).includes(field)) {
      errors[field as SubmissionField] ??= issue.message;
    }
  }
  return { ok: false, errors: orderErrors(errors), draft: draftFrom(record) };
}

export function orderErrors(errors: FieldErrors): FieldErrors {
  const ordered: FieldErrors = {};
  for (const f of FIELD_ORDER) if (errors[f]) ordered[f] = errors[f];
  return ordered;
}
