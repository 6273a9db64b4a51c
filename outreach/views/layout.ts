// The page shell: inline CSS (no outside assets), a skip link, landmarks and
// one h1 per page. The stylesheet and the one script are constants, allowed by
// their SHA-256 hashes in the Content-Security-Policy, so no other inline code
// can ever run even if escaping failed somewhere.
import { createHash } from "node:crypto";
import { html, trustedHtml, type SafeHtml } from "../html.ts";

export const STYLESHEET = `
*,*::before,*::after{box-sizing:border-box}
body{margin:0;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;background:#f7f8fa}
a{color:#1d4ed8}
a:hover{color:#1e3a8a}
:focus-visible{outline:3px solid #1f2933;outline-offset:2px;box-shadow:0 0 0 2px #fbbf24}
header.site :focus-visible{outline-color:#fbbf24;box-shadow:none}
.skip-link{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem}
.skip-link:focus{left:1rem;z-index:10}
header.site{background:#1e293b;color:#fff;padding:.75rem 1.5rem;display:flex;gap:2rem;align-items:baseline;flex-wrap:wrap}
header.site a{color:#fff;font-weight:600;text-decoration:none}
header.site a:hover,header.site a:focus-visible{text-decoration:underline}
header.site nav ul{list-style:none;margin:0;padding:0;display:flex;gap:1.5rem}
main{max-width:72rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.75rem;margin:.5rem 0 1rem}
h2{font-size:1.25rem}
.card{background:#fff;border:1px solid #d5dae1;border-radius:6px;padding:1.25rem 1.5rem;margin-bottom:1.5rem}
label,legend{font-weight:600;display:block;margin-bottom:.25rem}
fieldset{border:0;margin:0 0 1.25rem;padding:0}
legend{padding:0}
.field{margin-bottom:1.25rem}
.hint{color:#52606d;margin:0 0 .35rem;font-size:.95rem}
input[type=text],input[type=search],textarea{font:inherit;width:100%;max-width:40rem;padding:.45rem .6rem;border:2px solid #52606d;border-radius:4px;background:#fff;color:inherit}
textarea{min-height:11rem;resize:vertical}
.radio{display:flex;align-items:center;gap:.5rem;margin:.35rem 0}
.radio input{width:1.25rem;height:1.25rem;margin:0}
.radio label{font-weight:400;margin:0}
button,.button{font:inherit;font-weight:600;border:0;border-radius:4px;padding:.55rem 1.1rem;background:#1d4ed8;color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button:hover,.button:hover{background:#1e3a8a;color:#fff}
button.secondary{background:#e4e7eb;color:#1f2933}
button.secondary:hover{background:#cbd2d9}
.field-error{color:#b91c1c;font-weight:600;margin:0 0 .35rem}
.has-error input,.has-error textarea{border-color:#b91c1c}
.has-error{border-left:4px solid #b91c1c;padding-left:.9rem}
.error-summary{border:4px solid #b91c1c;background:#fff;padding:1rem 1.25rem;margin-bottom:1.5rem}
.error-summary h2{margin-top:0;color:#b91c1c}
.error-summary ul{margin:0;padding-left:1.25rem}
.error-summary a{color:#b91c1c;font-weight:600}
.notice{border-left:6px solid #1d4ed8;background:#fff;padding:.75rem 1rem;margin-bottom:1.5rem}
.notice.success{border-color:#15803d}
.notice.failure{border-color:#b91c1c}
.table-wrap{overflow-x:auto;position:relative;margin-bottom:1.5rem}
caption{caption-side:top}
table{border-collapse:collapse;width:100%;background:#fff}
caption{text-align:left;font-weight:600;padding:.5rem 0}
th,td{text-align:left;vertical-align:top;padding:.5rem .6rem;border-bottom:1px solid #d5dae1}
th{background:#eef1f5}
td.message{white-space:pre-wrap;min-width:14rem;max-width:32rem;overflow-wrap:anywhere}
time{white-space:nowrap}
.status{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-weight:600;font-size:.9rem;border:1px solid}
.status-sent{color:#14532d;background:#dcfce7;border-color:#15803d}
.status-failed{color:#7f1d1d;background:#fee2e2;border-color:#b91c1c}
.status-pending{color:#713f12;background:#fef3c7;border-color:#b45309}
form.retry{margin-top:.5rem}
.actions{display:flex;gap:.75rem;flex-wrap:wrap}
.search{display:flex;gap:.5rem;align-items:flex-end;flex-wrap:wrap}
.search .field{margin:0;flex:0 1 40rem}
.visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.error-text{overflow-wrap:break-word;min-width:12rem;max-width:18rem}
`;

// Replaces the message with the chosen template's text, but only while the
// researcher has not edited it, so switching templates never discards writing.
export const TEMPLATE_SCRIPT = `
(function(){
  var data=document.getElementById("template-texts");
  var box=document.getElementById("field-message");
  if(!data||!box)return;
  var texts=JSON.parse(data.textContent||"{}");
  var radios=document.querySelectorAll('input[name="template"]');
  var current=(document.querySelector('input[name="template"]:checked')||{}).value;
  radios.forEach(function(r){r.addEventListener("change",function(){
    if(box.value.trim()===""||box.value===texts[current])box.value=texts[r.value]||"";
    current=r.value;
  });});
})();
`;

function sha256(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src ${sha256(STYLESHEET)}`,
  `script-src ${sha256(TEMPLATE_SCRIPT)}`,
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

export interface PageOptions {
  title: string;
  body: SafeHtml;
  /** Adds the template-switching script (contact page only). */
  withTemplateScript?: boolean;
}

export function page(opts: PageOptions): string {
  return `<!doctype html>${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title} · Study outreach</title>
<style>${trustedHtml(STYLESHEET)}</style>
</head>
<body>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="site">
<a href="/participants">Study outreach</a>
<nav aria-label="Main"><ul><li><a href="/participants">Participants</a></li><li><a href="/contact">Write to a participant</a></li></ul></nav>
</header>
<main id="main" tabindex="-1">
${opts.body}
</main>
${opts.withTemplateScript ? html`<script>${trustedHtml(TEMPLATE_SCRIPT)}</script>` : ""}
</body>
</html>`.value}`;
}

export function formatTime(date: Date | null): SafeHtml {
  if (!date) return html`<span aria-label="never">—</span>`;
  const iso = date.toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace("T", " ")} UTC</time>`;
}

export function statusBadge(status: string): SafeHtml {
  return html`<span class="status status-${status}">${status}</span>`;
}
