// One participant's messages with their delivery status, and a retry button
// on each failed one.
import { html, type SafeHtml } from "../html.ts";
import type { ContactRequest } from "../store.ts";
import { TEMPLATES } from "../templates.ts";
import { formatTime, page, statusBadge } from "./layout.ts";

export type Notice = { kind: "success" | "failure" | "info"; text: string };

export interface HistoryPageModel {
  participantId: string;
  requests: ContactRequest[];
  csrfToken: string;
  notice?: Notice;
}

function retryForm(r: ContactRequest, csrfToken: string): SafeHtml {
  if (r.status !== "failed") return html``;
  return html`<form class="retry" method="post" action="/messages/${r.id}/retry">
<input type="hidden" name="_csrf" value="${csrfToken}">
<button type="submit" class="secondary">Retry<span class="visually-hidden"> message ${r.id}</span></button>
</form>`;
}

function row(r: ContactRequest, csrfToken: string): SafeHtml {
  return html`<tr id="request-${r.id}">
<td>${r.id}</td>
<td>${formatTime(r.createdAt)}</td>
<td>${TEMPLATES[r.template]?.label ?? r.template}</td>
<td class="message">${r.message}</td>
<td>${r.requestedBy}</td>
<td>${statusBadge(r.status)}${r.sentAt ? html`<br>${formatTime(r.sentAt)}` : ""}${retryForm(r, csrfToken)}</td>
<td>${r.attempts}</td>
<td class="error-text">${r.lastError ?? ""}</td>
</tr>`;
}

export function historyPage(model: HistoryPageModel): string {
  const { participantId, requests, notice } = model;
  const body = html`<h1>Messages to ${participantId}</h1>
${notice ? html`<div class="notice ${notice.kind}" role="status" tabindex="-1" autofocus>${notice.text}</div>` : ""}
<p><a class="button" href="/contact?participant=${encodeURIComponent(participantId)}">Write a new message</a></p>
${requests.length === 0 ? html`<p>No messages have been sent to this participant.</p>` : html`<p>Failed messages are retried automatically with growing delays; you can also retry one now.</p>
<div class="table-wrap" role="region" aria-labelledby="history-caption" tabindex="0"><table>
<caption id="history-caption">Messages, newest first</caption>
<thead><tr><th scope="col">#</th><th scope="col">Written</th><th scope="col">Template</th><th scope="col">Message</th><th scope="col">By</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last error</th></tr></thead>
<tbody>${requests.map((r) => row(r, model.csrfToken))}</tbody>
</table></div>`}`;
  return page({ title: `Messages to ${participantId}`, body });
}
