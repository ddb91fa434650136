// Drives the experts' desk (/desk/) in headless Debian chromium (playwright-core).
// Usage: node desk.mjs <scenario> <bot-url> <artifacts-dir>; tokens come in RAKE_DESK_TOKENS
// (JSON, signed by the test's local OpenID provider). The Agents Playground renders no tabs, so
// the page is opened directly; the only stand-in is the Teams host: the teams-js file is
// replaced by a stub whose getAuthToken() returns the test's token and whose context tells the
// theme and locale. The bot validates each token for real.
// Prints one JSON line with what it saw; exits non-zero when a step fails.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

const [scenario, baseUrl, artifacts] = process.argv.slice(2);
fs.mkdirSync(artifacts, { recursive: true });
const tokens = JSON.parse(process.env.RAKE_DESK_TOKENS || '{}');
const axeSource = fs.readFileSync(path.resolve('node_modules/axe-core/axe.min.js'), 'utf8');
const result = { scenario, ok: false, screenshots: [], axe: {}, problems: [] };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});

function teamsStub(token, theme, locale) {
  return `window.microsoftTeams = {
    app: {
      initialize: async () => {},
      getContext: async () => ({ app: { theme: ${JSON.stringify(theme)}, locale: ${JSON.stringify(locale)} } }),
      registerOnThemeChangeHandler: () => {},
      notifySuccess: () => {},
    },
    authentication: { getAuthToken: async () => ${JSON.stringify(token)} },
  };`;
}

async function open(token, { theme = 'default', locale = 'fi-FI', width = 1280, path: at = '/desk/', stub = true } = {}) {
  const context = await browser.newContext({ locale, viewport: { width, height: width < 600 ? 860 : 1000 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on('pageerror', (error) => result.problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // teams-js asks a Microsoft CDN for its list of Teams origins when it loads and falls back
    // to the list it carries: the desk's CSP blocks that fetch (nothing loads from outside)
    if (message.text().includes('res.cdn.office.net/teams-js/validDomains')) {
      result.blockedTeamsCdn = (result.blockedTeamsCdn || 0) + 1;
      return;
    }
    result.problems.push(`console: ${message.text()}`);
  });
  page.on('request', (request) => {
    if (!request.url().startsWith(baseUrl)) result.problems.push(`outside request: ${request.url()}`);
  });
  if (stub) {
    await page.route('**/desk/static/vendor/MicrosoftTeams.min.js', (route) => route.fulfill({
      contentType: 'application/javascript', body: teamsStub(token, theme, locale),
    }));
  }
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber}:${event.columnNumber} ${event.sample}`);
    });
  });
  const first = page.waitForResponse((r) => r.url().includes('/desk/api/'));
  await page.goto(baseUrl + at);
  const response = await first;
  return { context, page, status: response.status() };
}

async function shot(page, name, fullPage = true) {
  const file = path.join(artifacts, `desk-${name}.png`);
  await page.screenshot({ path: file, fullPage });
  result.screenshots.push(file);
}

async function axe(page, name) {
  await page.evaluate(axeSource); // through DevTools: not subject to the page's CSP
  const found = await page.evaluate(async () => {
    const run = await window.axe.run(document, { resultTypes: ['violations'] });
    return run.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length,
      target: v.nodes[0] && v.nodes[0].target.join(' ') }));
  });
  result.axe[name] = found;
  for (const v of found) {
    if (v.impact === 'serious' || v.impact === 'critical') {
      result.problems.push(`axe ${name}: ${v.impact} ${v.id} (${v.nodes}× e.g. ${v.target})`);
    }
  }
}

async function inked(page, id) {
  return page.evaluate((canvasId) => {
    const canvas = document.getElementById(canvasId);
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n += 1;
    return n;
  }, id);
}

const count = async (page) => (await page.locator('p.count').textContent()).trim();

try {
  if (scenario === 'refusals') {
    result.refused = {};
    for (const name of ['wrong_audience', 'foreign_tenant', 'expired', 'rogue', 'worker']) {
      const { context, page, status } = await open(tokens[name]);
      await page.locator('#main [data-refused]').waitFor();
      result.refused[name] = { status, text: (await page.locator('#main').textContent()).trim() };
      if (name === 'worker') await shot(page, 'refused-non-expert');
      await context.close();
    }
    result.ok = true;
  } else if (scenario === 'expert') {
    const { context, page, status } = await open(tokens.expert);
    result.listStatus = status;
    await page.locator('p.count').waitFor();
    result.total = await count(page);
    await shot(page, 'list-light');
    await axe(page, 'list');
    // filter: phenomenon and search, then sort by reference
    await page.getByLabel('Ilmiö').selectOption({ label: 'Mielenterveys' });
    await page.getByRole('button', { name: 'Rajaa' }).click();
    await page.waitForFunction((before) => document.querySelector('p.count').textContent.trim() !== before, result.total);
    result.filtered = await count(page);
    result.filteredRefs = await page.locator('a.ref').allTextContents();
    await page.getByRole('link', { name: /^Tunnus/ }).click();
    await page.waitForFunction(() => document.querySelector('th[aria-sort="descending"] a, th[aria-sort="ascending"] a')?.textContent.includes('Tunnus'));
    result.sortedRefs = await page.locator('a.ref').allTextContents();
    // open an observation
    const reference = result.sortedRefs[0];
    await page.locator('a.ref', { hasText: reference }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(reference) }).waitFor();
    result.opened = reference;
    result.description = (await page.locator('#main').textContent()).replace(/\s+/g, ' ');
    result.trailRows = await page.locator('table.trail tbody tr').count();
    await shot(page, 'observation-light');
    await axe(page, 'observation');
    // the expert changes the observation's status (the processing service the chat uses)
    await page.locator('#p-target').selectOption('in_processing');
    await page.locator('form[hx-post$="/status"] button[type=submit]').click();
    await page.locator('#main [data-outcome="done"]').waitFor();
    result.statusNotice = (await page.locator('#main [data-outcome="done"]').textContent()).trim();
    result.statusBadge = (await page.locator('h1 .badge').last().textContent()).trim();
    await shot(page, 'observation-processed');
    await axe(page, 'observation-processed');
    await page.getByRole('link', { name: /Takaisin listaan/ }).click();
    await page.locator('p.count').waitFor();
    result.back = await count(page);
    // export: the signed link appears
    await page.getByRole('button', { name: 'Vie CSV:nä' }).click();
    result.exportLink = await page.locator('#export-result a').getAttribute('href');
    // trends: the charts are drawn
    await page.getByRole('link', { name: 'Kehitys' }).click();
    await page.locator('#chart-years').waitFor();
    await page.waitForFunction(() => window.Chart && window.Chart.getChart(document.getElementById('chart-dimension')));
    result.inkYears = await inked(page, 'chart-years');
    result.inkDimension = await inked(page, 'chart-dimension');
    await shot(page, 'trends-light');
    await axe(page, 'trends');
    for (const [name, heading] of [['Ilmiöt', 'Ilmiöt'], ['Ehdotukset', 'Toimenpide-ehdotukset'], ['Mittarit', /Mittarit/]]) {
      await page.getByRole('navigation').getByRole('link', { name, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    }
    result.metricsRows = await page.locator('table.metrics tbody tr').count();
    await shot(page, 'metrics-light');
    await axe(page, 'metrics');
    await context.close();
    // dark theme (Teams' context says so) and Swedish
    const dark = await open(tokens.expert, { theme: 'dark', locale: 'sv-FI', path: '/desk/trends' });
    await dark.page.locator('#chart-years').waitFor();
    await dark.page.waitForFunction(() => window.Chart && window.Chart.getChart(document.getElementById('chart-years')));
    result.darkTheme = await dark.page.evaluate(() => document.documentElement.dataset.theme);
    result.darkBackground = await dark.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    result.darkHeading = await dark.page.locator('h1').textContent();
    await shot(dark.page, 'trends-dark');
    await axe(dark.page, 'trends-dark');
    await dark.page.getByRole('link', { name: 'Observationer' }).click();
    await dark.page.locator('p.count').waitFor();
    await shot(dark.page, 'list-dark');
    await axe(dark.page, 'list-dark');
    await dark.context.close();
    // high contrast
    const contrast = await open(tokens.expert, { theme: 'contrast' });
    await contrast.page.locator('p.count').waitFor();
    await shot(contrast.page, 'list-contrast');
    await axe(contrast.page, 'list-contrast');
    await contrast.context.close();
    // phone width
    const narrow = await open(tokens.expert, { width: 400 });
    await narrow.page.locator('p.count').waitFor();
    result.narrowOverflow = await narrow.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await shot(narrow.page, 'list-400px', false);
    await axe(narrow.page, 'list-400px');
    await narrow.page.locator('a.ref').first().click();
    await narrow.page.locator('dl.fields').waitFor();
    result.narrowObservationOverflow = await narrow.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await shot(narrow.page, 'observation-400px', false);
    await narrow.context.close();
    result.ok = result.problems.length === 0;
    if (!result.ok) result.error = result.problems.join('\n');
  } else if (scenario === 'development') {
    // the development URL make run prints: the real teams-js file, no Teams around, the dev token
    const { context, page, status } = await open(null, { path: process.env.RAKE_DESK_DEV_PATH, stub: false });
    result.listStatus = status;
    await page.locator('p.count').waitFor();
    result.total = await count(page);
    result.ok = result.problems.length === 0;
    if (!result.ok) result.error = result.problems.join('\n');
    await context.close();
  } else {
    throw new Error(`unknown scenario ${scenario}`);
  }
} catch (error) {
  result.ok = false;
  result.error = `${error.stack || error}\n${result.problems.join('\n')}`;
}
await browser.close();
process.stdout.write(JSON.stringify(result) + '\n');
process.exit(result.ok ? 0 : 1);
