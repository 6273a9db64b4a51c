// The contact form. Without JavaScript it works fully; errors come back from
// the server as a summary (focused, with links to the fields) plus a message
// beside each field, tied to it with aria-describedby.
import { html, trustedHtml, type SafeHtml } from "../html.ts";
import { MESSAGE_MAX, MESSAGE_MIN, type FieldErrors, type SubmissionDraft, type SubmissionField } from "../submission.ts";
import { TEMPLATES, TEMPLATE_KEYS, type TemplateKey } from "../templates.ts";
import { page } from "./layout.ts";

export interface ContactPageModel {
  draft: SubmissionDraft;
  errors: FieldErrors;
  csrfToken: string;
  /** Set when the requester comes from an authenticating proxy header and cannot be edited. */
  requesterLocked?: boolean;
  /** A problem with the whole submission (not one field), shown above the form. */
  formError?: string;
}

const FIELD_IDS: Record<SubmissionField, string> = {
  participant: "field-participant",
  // The summary link for a radio group goes to its first option.
  template: `field-template-${TEMPLATE_KEYS[0]}`,
  message: "field-message",
  requester: "field-requester",
};

function errorFor(field: SubmissionField, errors: FieldErrors): SafeHtml {
  const message = errors[field];
  return message ? html`<p class="field-error" id="${field}-error"><span class="visually-hidden">Error: </span>${message}</p>` : html``;
}

function describedBy(field: SubmissionField, errors: FieldErrors, hint = true): string {
  return [hint ? `${field}-hint` : "", errors[field] ? `${field}-error` : ""].filter(Boolean).join(" ");
}

function fieldClass(field: SubmissionField, errors: FieldErrors): string {
  return errors[field] ? "field has-error" : "field";
}

function invalid(field: SubmissionField, errors: FieldErrors): SafeHtml {
  return errors[field] ? trustedHtml(' aria-invalid="true"') : html``;
}

export function errorSummary(errors: FieldErrors): SafeHtml {
  const entries = Object.entries(errors) as [SubmissionField, string][];
  if (entries.length === 0) return html``;
  return html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus>
<h2 id="error-summary-title">There is a problem</h2>
<ul>${entries.map(([field, message]) => html`<li><a href="#${FIELD_IDS[field]}">${message}</a></li>`)}</ul>
</div>`;
}

function templateOptions(selected: TemplateKey | "", errors: FieldErrors): SafeHtml {
  return html`<fieldset class="${fieldClass("template", errors)}" aria-describedby="${describedBy("template", errors)}">
<legend>Template</legend>
<p class="hint" id="template-hint">Choosing a template fills in its text when you have not changed the message.</p>
${errorFor("template", errors)}
${TEMPLATE_KEYS.map((key) => html`<div class="radio">
<input type="radio" name="template" id="field-template-${key}" value="${key}"${selected === key ? trustedHtml(" checked") : ""}>
<label for="field-template-${key}">${TEMPLATES[key].label}</label>
</div>`)}
</fieldset>`;
}

// JSON inside <script type="application/json"> is data, never run; "<" is
// escaped so a template text can never close the element.
function templateTexts(): SafeHtml {
  const texts = Object.fromEntries(TEMPLATE_KEYS.map((k) => [k, TEMPLATES[k].body]));
  return trustedHtml(JSON.stringify(texts).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026"));
}

export function contactPage(model: ContactPageModel): string {
  const { draft, errors } = model;
  const hasErrors = Object.keys(errors).length > 0 || !!model.formError;
  const participantLink = draft.participant && !errors.participant
    ? html`<p><a href="/participants/${encodeURIComponent(draft.participant)}/messages">Message history for ${draft.participant}</a></p>`
    : html``;
  const formError = model.formError
    ? html`<div class="error-summary" role="alert" tabindex="-1" autofocus><h2>Not sent</h2><p>${model.formError}</p></div>`
    : html``;
  const body = html`${formError}${errorSummary(errors)}
<h1>Write to a participant</h1>
${participantLink}
<form class="card" method="post" action="/contact" novalidate>
<input type="hidden" name="_csrf" value="${model.csrfToken}">
<div class="${fieldClass("participant", errors)}">
<label for="field-participant">Participant ID</label>
<p class="hint" id="participant-hint">Letters, digits, “.”, “_” and “-”, as in the study dashboards.</p>
${errorFor("participant", errors)}
<input type="text" id="field-participant" name="participant" value="${draft.participant}" autocomplete="off" spellcheck="false" required aria-describedby="${describedBy("participant", errors)}"${invalid("participant", errors)}>
</div>
${templateOptions(draft.template, errors)}
<div class="${fieldClass("message", errors)}">
<label for="field-message">Message</label>
<p class="hint" id="message-hint">${MESSAGE_MIN} to ${MESSAGE_MAX} characters, sent as plain-text email. The participant's address is looked up when sending and never shown here.</p>
${errorFor("message", errors)}
<textarea id="field-message" name="message" rows="9" required aria-describedby="${describedBy("message", errors)}"${invalid("message", errors)}>${draft.message}</textarea>
</div>
<div class="${fieldClass("requester", errors)}">
<label for="field-requester">Your name</label>
<p class="hint" id="requester-hint">Stored with the message so the study team knows who wrote it.</p>
${errorFor("requester", errors)}
<input type="text" id="field-requester" name="requester" value="${draft.requester}" autocomplete="name" required${model.requesterLocked ? trustedHtml(" readonly") : ""} aria-describedby="${describedBy("requester", errors)}"${invalid("requester", errors)}>
</div>
<button type="submit">Send message</button>
</form>
<script type="application/json" id="template-texts">${templateTexts()}</script>`;
  return page({ title: hasErrors ? "Error: Write to a participant" : "Write to a participant", body, withTemplateScript: true });
}
