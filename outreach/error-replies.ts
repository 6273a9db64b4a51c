// Error pages for refused requests (403, 404, 413, 429, 500): what happened
// and what to do next, never a stack trace.
import type { FastifyReply } from "fastify";
import { errorPage } from "./views/error-page.ts";

export const ERROR_PAGES: Record<number, [string, string]> = {
  400: ["Bad request", "The request could not be read. Go back, reload the page and try again."],
  403: ["Form expired", "The form was missing its security token or the token did not match. Reload the form and send it again."],
  404: ["Page not found", "There is no page at this address. Check the link or start from the participant list."],
  413: ["Request too large", "The form was larger than this service accepts. Shorten the message and send it again."],
  415: ["Unsupported form encoding", "Send the form from the page itself; only ordinary form posts are accepted."],
  429: ["Too many requests", "Too many requests were sent in a short time. Wait a minute, then try again."],
  500: ["Something went wrong", "The request failed on our side. Nothing you entered was lost if a message was shown as saved; try again in a moment."],
};

export function sendErrorPage(reply: FastifyReply, status: number, explanation?: string) {
  const [title, text] = ERROR_PAGES[status] ?? ERROR_PAGES[500]!;
  return reply.code(status).type("text/html; charset=utf-8").send(errorPage(title, explanation ?? text));
}

