// Plain pages for refused requests (403, 404, 413, 429, 500): what happened
// and what to do next, never a stack trace.
import { html } from "../html.ts";
import { page } from "./layout.ts";

export function errorPage(title: string, explanation: string): string {
  return page({
    title,
    body: html`<h1>${title}</h1>
<div class="card"><p>${explanation}</p>
<p><a href="/participants">Go to the participant list</a></p></div>`,
  });
}
