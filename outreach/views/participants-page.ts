// Participant list with a search box: the entry point when a researcher does
// not arrive from a dashboard link.
import { html, hrefWithQuery } from "../html.ts";
import type { ParticipantSummary } from "../store.ts";
import { formatTime, page, statusBadge } from "./layout.ts";

export interface ParticipantsPageModel {
  search: string;
  participants: ParticipantSummary[];
  limit: number;
}

function row(p: ParticipantSummary) {
  const history = `/participants/${encodeURIComponent(p.participantId)}/messages`;
  return html`<tr>
<th scope="row">${p.participantId}</th>
<td>${p.timeZone ?? "—"}</td>
<td>${p.lastContactStatus ? html`${statusBadge(p.lastContactStatus)} ${formatTime(p.lastContactAt)}` : "No messages yet"}</td>
<td>${p.failedCount}</td>
<td><div class="actions"><a href="${hrefWithQuery("/contact", { participant: p.participantId })}">Write<span class="visually-hidden"> to ${p.participantId}</span></a>
<a href="${history}">History<span class="visually-hidden"> of ${p.participantId}</span></a></div></td>
</tr>`;
}

export function participantsPage(model: ParticipantsPageModel): string {
  const { search, participants } = model;
  const count = participants.length;
  const summary = search
    ? html`${count === 0 ? "No" : count} participant${count === 1 ? "" : "s"} match “${search}”.`
    : html`${count} participant${count === 1 ? "" : "s"}.`;
  const body = html`<h1>Participants</h1>
<form class="card search" method="get" action="/participants" role="search">
<div class="field">
<label for="field-q">Search by participant ID</label>
<input type="search" id="field-q" name="q" value="${search}" autocomplete="off" spellcheck="false">
</div>
<button type="submit">Search</button>
</form>
<p role="status">${summary}${count >= model.limit ? html` Showing the first ${model.limit}; refine the search.` : ""}</p>
${count > 0 ? html`<div class="table-wrap" role="region" aria-labelledby="participants-caption" tabindex="0"><table>
<caption id="participants-caption">Participants and their latest message</caption>
<thead><tr><th scope="col">Participant</th><th scope="col">Time zone</th><th scope="col">Latest message</th><th scope="col">Failed deliveries</th><th scope="col">Actions</th></tr></thead>
<tbody>${participants.map(row)}</tbody>
</table></div>` : ""}`;
  return page({ title: "Participants", body });
}
