// docs_check.js - opens pxtc's /docs page in headless Chromium (Debian's chromium,
// driven by playwright-core from tests/package.json: no browser download), waits for
// Swagger UI to render the server's OpenAPI document, checks that each given route
// path is in the page's text, opens the first POST operation (its request body must
// show), and saves a full-page screenshot.
//
// usage: node docs_check.js URL SCREENSHOT.png PATH...
// env:   PXT_CHROMIUM  the browser (default /usr/bin/chromium)
"use strict";
const { chromium } = require("playwright-core");

async function main() {
  const [url, shot, ...paths] = process.argv.slice(2);
  if (!url || !shot || paths.length === 0)
    throw new Error("usage: node docs_check.js URL SCREENSHOT.png PATH...");
  const args = ["--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"];
  // Chromium's sandbox refuses to start as root
  if (process.getuid && process.getuid() === 0) args.push("--no-sandbox");
  const browser = await chromium.launch({
    executablePath: process.env.PXT_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args,
  });
  const problems = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));
    const res = await page.goto(url, { waitUntil: "load", timeout: 30000 });
    if (!res || res.status() !== 200)
      throw new Error(`GET ${url} answered ${res ? res.status() : "nothing"}`);
    // Swagger UI has rendered the document once its operations are on the page
    await page.waitForSelector(".swagger-ui .opblock", { timeout: 30000 });
    await page.waitForLoadState("networkidle", { timeout: 10000 }).catch(() => {});
    // (Swagger UI may break long paths with zero-width spaces)
    const text = (await page.evaluate(() => document.body.innerText)).replace(/\u200b/g, "");
    const shown = await page.$$eval(".opblock-summary-path", (els) =>
      els.map((e) => e.getAttribute("data-path")));
    const title = await page.textContent(".swagger-ui .info .title").catch(() => "");
    // open the first POST operation: its request body is rendered from the schema
    const post = await page.$(".swagger-ui .opblock-post .opblock-summary");
    if (post) {
      await post.click();
      await page.waitForSelector(".swagger-ui .opblock-post .opblock-body " +
        ".opblock-section-request-body", { timeout: 10000 })
        .catch(() => problems.push("a POST operation shows no request body"));
    }
    await page.screenshot({ path: shot, fullPage: true });
    for (const p of paths) {
      if (!text.includes(p)) problems.push(`${p} is not in the page's text`);
      if (!shown.includes(p)) problems.push(`${p} has no operation block`);
    }
    if (!/pxtc/.test(title || "")) problems.push(`the title is '${title}'`);
    if (await page.$(".swagger-ui .errors-wrapper"))
      problems.push(`Swagger UI shows errors: ${await page.textContent(".errors-wrapper")}`);
    console.log(`docs_check: ${shown.length} operations rendered, title '${title.trim()}', ` +
      `screenshot ${shot}`);
  } finally {
    await browser.close();
  }
  if (problems.length) throw new Error(problems.join("\n"));
}

main().catch((e) => {
  console.error(`docs_check: FAIL ${e && e.message ? e.message : e}`);
  process.exit(1);
});
