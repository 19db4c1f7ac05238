// Lighthouse on every page, light and dark: reads [{name, url, cookie}] on stdin, writes
// a summary (scores and failing audits) to the file named by argv[2] and prints a table.
//
// The CLI cannot emulate prefers-color-scheme, so Lighthouse runs on a page that
// puppeteer opened with the media feature set (Lighthouse's own emulation leaves it).
// Phone form factor with simulated throttling (Lighthouse's defaults, the strict case)
// and desktop (Lighthouse's desktop config); LIGHTHOUSE_DEVICES=phone narrows it.
import fs from "node:fs";
import lighthouse from "lighthouse";
import desktopConfig from "lighthouse/core/config/desktop-config.js";
import puppeteer from "puppeteer-core";

const CHROME = process.env.CHROME_PATH || "/usr/bin/chromium";
const targets = JSON.parse(fs.readFileSync(0, "utf8"));
const browser = await puppeteer.launch({
  executablePath: CHROME,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
const rows = [];
const devices = (process.env.LIGHTHOUSE_DEVICES || "phone,desktop").split(",");

function audit(url, page, device) {
  return lighthouse(
    url,
    {
      output: "json",
      logLevel: "error",
      onlyCategories: ["performance", "accessibility", "best-practices"],
      disableStorageReset: true,
    },
    device === "desktop" ? desktopConfig : undefined,
    page,
  );
}
try {
  for (const target of targets) {
    for (const device of devices) for (const theme of ["light", "dark"]) {
      if (target.cookie) {
        await browser.setCookie({ name: "sessionid", value: target.cookie, url: target.url });
      } else {
        const cookies = await browser.cookies();
        if (cookies.length) await browser.deleteCookie(...cookies);
      }
      // Lighthouse now and then misses the start of a navigation (NO_NAVSTART): that run
      // measured nothing, so it is tried again on a fresh page (at most three times).
      let page;
      let result;
      for (let attempt = 0; attempt < 3; attempt++) {
        if (page) await page.close();
        page = await browser.newPage();
        await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: theme }]);
        result = await audit(target.url, page, device);
        if (result.lhr.runtimeError?.code !== "NO_NAVSTART") break;
      }
      const dark = await page.evaluate(() => matchMedia("(prefers-color-scheme: dark)").matches);
      // Lighthouse 12 dropped its PWA category and installable-manifest audit: Chromium's
      // own installability check (what decides whether "Install app" is offered) stands
      // in, asked on the page Lighthouse just loaded. Empty is installable.
      const cdp = await page.createCDPSession();
      const installable = await cdp
        .send("Page.getInstallabilityErrors")
        .then((answer) => answer.installabilityErrors.map((e) => e.errorId))
        .catch((error) => [`not asked: ${error.message}`]);
      await cdp.detach();
      const lhr = result.lhr;
      const score = (id) => Math.round((lhr.categories[id]?.score ?? 0) * 100);
      const failing = Object.values(lhr.audits)
        .filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode === "binary")
        .map((a) => a.id);
      if (lhr.runtimeError) failing.push(`runtimeError:${lhr.runtimeError.code}`);
      // Where each failing audit (and any layout shift) points: the elements' selectors
      // and snippets, so a failure can be fixed without running Lighthouse again.
      const where = {};
      for (const id of [...failing, "layout-shifts"]) {
        const items = lhr.audits[id]?.details?.items || [];
        const nodes = items
          .map((item) => item.node || item.subItems?.items?.[0]?.node)
          .filter(Boolean)
          .slice(0, 5)
          .map((node) => `${node.selector} ${node.snippet || ""}`.slice(0, 240));
        if (nodes.length) where[id] = nodes;
      }
      const metric = (id) => lhr.audits[id]?.displayValue || "";
      rows.push({
        page: target.name,
        device,
        theme,
        themeApplied: dark === (theme === "dark"),
        finalUrl: lhr.finalDisplayedUrl,
        performance: score("performance"),
        accessibility: score("accessibility"),
        bestPractices: score("best-practices"),
        lcp: metric("largest-contentful-paint"),
        tbt: metric("total-blocking-time"),
        cls: metric("cumulative-layout-shift"),
        installabilityErrors: installable,
        failing,
        where,
      });
      const last = rows[rows.length - 1];
      console.log(
        `${last.page.padEnd(16)} ${device.padEnd(7)} ${theme.padEnd(5)} perf ${String(last.performance).padStart(3)}` +
          `  a11y ${String(last.accessibility).padStart(3)}  bp ${String(last.bestPractices).padStart(3)}` +
          `  LCP ${last.lcp}  TBT ${last.tbt}  CLS ${last.cls}` +
          `  install ${installable.length ? installable.join(",") : "ok"}` +
          `${last.themeApplied ? "" : "  (theme NOT applied)"}  ${failing.join(" ")}`,
      );
      await page.close();
    }
  }
} finally {
  await browser.close();
}
fs.writeFileSync(process.argv[2], JSON.stringify(rows, null, 2));
