import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { escapeHtml, hrefWithQuery, html, trustedHtml } from "./html.ts";

void describe("html templates", () => {
  void test("escape every character that can open markup or end an attribute", () => {
    assert.equal(escapeHtml(`<script>"a" & 'b' \`c\`</script>`), "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39; &#96;c&#96;&lt;/script&gt;");
  });

  void test("interpolated values are escaped, nested templates and arrays are not escaped twice", () => {
    const user = `"><img src=x onerror=alert(1)>`;
    const out = html`<p title="${user}">${user}${[html`<b>${"&"}</b>`, "<i>"]}</p>`.value;
    assert.equal(out, `<p title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;<b>&amp;</b>&lt;i&gt;</p>`);
  });

  void test("null, undefined and false render nothing; numbers render", () => {
    assert.equal(html`${null}${undefined}${false}${0}${trustedHtml("<br>")}`.value, "0<br>");
  });

  void test("query strings are URL-encoded", () => {
    assert.equal(hrefWithQuery("/contact", { participant: "a&b=<c>", template: undefined }), "/contact?participant=a%26b%3D%3Cc%3E");
    assert.equal(hrefWithQuery("/contact", {}), "/contact");
  });
});
