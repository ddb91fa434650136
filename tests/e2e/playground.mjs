// Drives the Microsoft 365 Agents Playground in headless Debian chromium (playwright-core).
// Usage: node playground.mjs <scenario> <playground-url> <artifacts-dir>
// Prints one JSON line with what it saw; exits non-zero when a step fails.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

const [scenario, baseUrl, artifacts] = process.argv.slice(2);
fs.mkdirSync(artifacts, { recursive: true });
const result = { scenario, ok: false };
// the report scenario's description: a grievance the worker confirms is a phenomenon
const GRIEVANCE = 'Nuoria jää ilman asuntoa itsenäistymisen jälkeen; asiakkaani ei saanut '
  + 'vuokra-asuntoa, vaikka jonotti vuoden.';

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
// A Finnish browser: the Playground sends its locale with each activity.
const context = await browser.newContext({ locale: 'fi-FI', viewport: { width: 1280, height: 1600 } });
const page = await context.newPage();
page.setDefaultTimeout(15000);
const shot = (name) => page.screenshot({ path: path.join(artifacts, `${scenario}-${name}.png`) });
const lastCard = () => page.locator('.ac-adaptiveCard').last();

async function choose(label, option) {
  const box = lastCard().getByRole('combobox', { name: new RegExp(label) });
  await box.click();
  await page.getByRole('option', { name: option, exact: true })
    .or(page.getByRole('menuitemcheckbox', { name: option, exact: true }))
    .or(page.getByRole('checkbox', { name: option, exact: true })).first().click();
  await page.keyboard.press('Escape');
}

async function press(name) {
  // a string matches exactly; a RegExp (a button in whichever language) as it says
  const exact = typeof name === 'string';
  await lastCard().getByRole('button', { name, exact }).click();
}

async function say(text) {
  const box = page.locator('[role=textbox][contenteditable=true]').last();
  await box.click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

async function mention(text) {
  // In a channel the bot hears only @mentions: pick it from the compose box's suggestions.
  const box = page.locator('[role=textbox][contenteditable=true]').last();
  await box.click();
  await page.keyboard.type('@Rak');
  await page.getByRole('listbox').getByText('Rake', { exact: true }).click();
  await page.keyboard.type(` ${text}`);
  await page.keyboard.press('Enter');
}

async function waitText(text) {
  await page.getByText(text, { exact: false }).last().waitFor();
}

async function welcomed() {
  // The welcome card, in the language an earlier scenario may have stored (order-independent).
  await page.getByText(/Tervetuloa Rake-bottiin|Välkommen till Rake-botten|Welcome to the Rake bot/)
    .last().waitFor();
}

try {
  await page.goto(baseUrl);
  if (scenario === 'welcome') {
    await welcomed();
    await shot('1-welcome');
    await press(/^(Omat havainnot|My reports|Mina observationer)$/);
    // The welcome came in the county's language; the answer follows the invoke's locale (the
    // Playground always sends en-US), or the language an earlier scenario stored.
    await page.getByText(/Your reports|Omat havaintosi|Dina observationer/).last().waitFor();
    await shot('2-answer');
    result.ok = true;
  } else if (scenario === 'report') {
    await welcomed();
    // The Playground always sends locale en-US; the worker picks Finnish by command.
    await say('kieli fi');
    await waitText('Kieli vaihdettu');
    // the welcome card's button, in the language the welcome came in
    await press(/^(Tee havainto|Make a report|Gör en observation)$/);
    await waitText('Vaihe 1/4');
    await lastCard().getByRole('radio', { name: 'Epäkohta tai puute' }).check();
    await choose('Ilmiö', 'Asuminen ja asunnottomuus');
    // First an identifier: the guard must stop it and keep nothing.
    const description = lastCard().getByRole('textbox', { name: /Kuvaus/ });
    await description.fill('Nuorten asunnottomuus on lisääntynyt, soita 040 123 4567');
    await press('Seuraava');
    await waitText('puhelinnumero');
    await shot('1-guard');
    // A surname in an inflected form, not in any list of base forms: refused too.
    await lastCard().getByRole('textbox', { name: /Kuvaus/ }).fill(
      'Nuorten asunnottomuus on lisääntynyt, kuulin tästä Virtasen perheeltä.');
    await press('Seuraava');
    await waitText('tunnistetieto (nimi)');
    await shot('1b-guard-name');
    // One client's care (SHL 48 §) is a question, not a refusal: the worker may go on.
    await lastCard().getByRole('textbox', { name: /Kuvaus/ }).fill(GRIEVANCE);
    await press('Seuraava');
    await waitText('SHL 48 §');
    await shot('1c-grievance');
    await lastCard().getByRole('checkbox', { name: /Kuvaan ilmiötä/ }).check();
    await press('Seuraava');
    await waitText('Vaihe 2/4');
    await choose('Kohderyhmät', 'Nuoret');
    await choose('Kunta tai alue', 'Lahti');
    await choose('Tulosalue', 'Aikuissosiaalityö');
    await shot('2-step2');
    await press('Seuraava');
    await waitText('Vaihe 3/4');
    await lastCard().getByRole('radio', { name: 'Toistuva' }).check();
    await press('Seuraava');
    await waitText('Vaihe 4/4');
    await lastCard().getByRole('radio', { name: 'Tavallinen' }).check();
    await press('Seuraava');
    await waitText('Tarkista ja lähetä');
    await shot('3-review');
    await press('Lähetä havainto');
    await waitText('Kiitos – havainto on tallennettu');
    await shot('4-done');
    const text = await lastCard().innerText();
    result.reference = (text.match(/RAKE-\d{4}-\d{4}/) || [null])[0];
    result.ok = Boolean(result.reference);
  } else if (scenario === 'vartti') {
    // Opening a channel of the Playground's team installs the bot there.
    await welcomed();
    await say('language en');  // the preference is stored: earlier scenarios may have set fi
    await waitText('Language changed');
    await page.getByText('Rake', { exact: true }).first().click();
    await waitText('The Rake bot has joined the team');
    await mention('vartti');
    // The Playground sends en-US: the schedule card and the prompt come in English.
    await waitText('Rake-vartti schedule');
    await shot('1-schedule');
    // a meeting at the next half-hour slot at least 30 min away (Helsinki time); the prompt
    // an hour before it, so it is due at once
    const slot = new Date(Math.ceil((Date.now() + 30 * 60 * 1000) / (30 * 60 * 1000)) * 30 * 60 * 1000);
    const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Helsinki',
      weekday: 'long', hour: 'numeric', minute: '2-digit', hourCycle: 'h23' }).formatToParts(slot);
    const part = (type) => parts.find((p) => p.type === type).value;
    await choose('Meeting weekday', part('weekday'));
    await choose('Meeting start time', `${Number(part('hour'))}.${part('minute')}`);
    await choose('The prompt comes', 'an hour before');
    await choose("The team's service area", 'Family and social services');
    await choose("The team's municipality or district", 'Lahti');
    await press('Save');
    await waitText('Saved.');
    await shot('2-saved');
    await page.getByText(/Team meeting \d/).last().waitFor({ timeout: 30000 });
    await shot('3-prompt');
    const prompt = page.locator('.ac-adaptiveCard').filter({ hasText: /Team meeting \d/ }).last();
    await prompt.getByRole('button', { name: 'Vartti held', exact: true }).click();
    await prompt.getByLabel('Participants').fill('6');
    await prompt.getByLabel('Observations that came up').fill('2');
    await prompt.getByRole('button', { name: 'Save', exact: true }).click();
    await waitText('Vartti held – recorded');
    await shot('4-held');
    result.ok = true;
  } else if (scenario === 'digest') {
    // The Playground's user is an expert (RAKE_DEV_EXPERTS); earlier scenarios made a report
    // and left the language at English.
    await page.getByText(/Tervetuloa Rake-bottiin|Welcome to the Rake bot/).last().waitFor();
    await say('kieli fi');
    await waitText('Kieli vaihdettu');
    await say('kooste');
    await waitText('Rake-kooste: viikko');
    const digest = lastCard();
    await digest.getByText('Havainnot ilmiöittäin').waitFor();
    // The chart: each bar is an Adaptive Card column with the accent style (Teams' renderer
    // drops element ids; the bars are the styled containers of 16 px minimum height).
    const bar = digest.locator('.ac-container[style*="background-color"][style*="min-height: 16px"]').first();
    await bar.waitFor();
    const box = await bar.boundingBox();
    result.barWidth = box ? Math.round(box.width) : 0;
    result.barColour = await bar.evaluate((el) => getComputedStyle(el).backgroundColor);
    result.references = ((await digest.innerText()).match(/RAKE-\d{4}-\d{4}/g) || []);
    await shot('1-digest');
    await press('Rajaa');
    await waitText('Rajaa kooste');
    await shot('2-filter');
    await press('Näytä kooste');
    await waitText('Rake-kooste:');
    // A line of the list opens the whole observation (experts only; audited).
    const reference = result.references[0];
    await lastCard().getByText(reference).first().click();
    await page.getByText(`Havainto ${reference}`).last().waitFor();
    await shot('2b-observation');
    // The export: a personal link to a file served by the bot.
    const digestCard = page.locator('.ac-adaptiveCard').filter({ hasText: 'Rake-kooste:' }).last();
    await digestCard.getByRole('button', { name: 'Vie Exceliin', exact: true }).click();
    await waitText('Havaintojen vienti');
    // Teams' renderer draws Action.OpenUrl as a link whose title is the address: fetch it as
    // the expert's browser would.
    const link = page.locator('.ac-adaptiveCard').filter({ hasText: 'Havaintojen vienti' }).last()
      .getByRole('link', { name: 'Lataa Excel-tiedosto', exact: true });
    const url = await link.getAttribute('title');
    const response = await page.request.get(url);
    result.exportStatus = response.status();
    result.exportName = (response.headers()['content-disposition'] || '').replace(/.*filename="([^"]+)".*/, '$1');
    result.exportFile = path.join(artifacts, 'digest-export.xlsx');
    fs.writeFileSync(result.exportFile, await response.body());
    await shot('2c-export');
    // In the team's channel: an expert makes it the Rake channel and pulls the digest there.
    await page.getByText('Rake', { exact: true }).first().click();
    await mention('rakekanava');
    await waitText('Tämä kanava on nyt Rake-kanava');
    await mention('kooste');
    await waitText('Kanavalla alle 3 havainnon');
    await shot('3-channel-digest');
    // The channel's card of the day (the report made earlier is today's): posted once …
    const daily = () => page.locator('.ac-adaptiveCard').filter({ hasText: /Päivän havainnot \d/ });
    await daily().first().waitFor({ timeout: 60000 });
    await shot('4-daily-posted');
    // … the test adds an observation to the database, and the same card is updated in place.
    fs.writeFileSync(process.env.RAKE_E2E_MARKER, 'posted');
    await daily().filter({ hasText: 'RAKE-2026-9001' }).first().waitFor({ timeout: 60000 });
    await shot('5-daily-updated');
    result.dailyCards = await daily().count();
    result.dailyText = await daily().first().innerText();
    // The acute report nobody acknowledged: its reminder arrives (the job runs every minute)
    // and "Kuittaa" replaces the card in place for everyone.
    const alert = () => page.locator('.ac-adaptiveCard').filter({ hasText: 'RAKE-2026-9002' });
    await alert().filter({ hasText: 'Muistutus' }).first().waitFor({ timeout: 120000 });
    await shot('6-acute-reminder');
    await alert().first().getByRole('button', { name: 'Kuittaa', exact: true }).click();
    await alert().filter({ hasText: 'Kuitattu' }).first().waitFor();
    await shot('7-acute-acknowledged');
    result.ackText = await alert().first().innerText();
    result.ackButtons = await alert().first().getByRole('button', { name: 'Kuittaa', exact: true }).count();
    result.ok = result.barWidth > 0 && result.references.length > 0;
  } else if (scenario === 'followup') {
    // The Playground's user is an expert and (RAKE_DEV_LEADS) every service area's lead; the
    // report scenario made an observation. From it: a proposal, then "what was done?" asked in
    // personal chat, answered on the card.
    await page.getByText(/Tervetuloa Rake-bottiin|Welcome to the Rake bot/).last().waitFor();
    await say('kieli fi');
    await waitText('Kieli vaihdettu');
    await say('omat havainnot');
    await waitText('Omat havaintosi');
    const reference = ((await lastCard().innerText()).match(/RAKE-\d{4}-\d{4}/) || [null])[0];
    if (!reference) throw new Error('no own report to process');
    result.reference = reference;
    await say(`avaa ${reference}`);
    await waitText(`Käsittely: ${reference}`);
    await shot('1-processing');
    await press('Toimenpide-ehdotus…');
    await lastCard().getByRole('textbox', { name: /Otsikko/ }).fill('Asumisneuvontaa nuorille aikuisille');
    await lastCard().getByRole('textbox', { name: /Ehdotus/ }).fill('Lisätään asumisneuvonnan aikoja Lahdessa.');
    await press('Tee ehdotus');
    await waitText('Toimenpide-ehdotus #1');
    await shot('2-proposal');
    // The test makes the proposal due today; the scheduler then asks its owner.
    fs.writeFileSync(process.env.RAKE_E2E_MARKER, 'proposed');
    const question = () => page.locator('.ac-adaptiveCard').filter({ hasText: 'Mitä tehtiin? Ehdotus #1' });
    await question().last().waitFor({ timeout: 90000 });
    await shot('3-question');
    await question().last().getByRole('radio', { name: 'Tehty', exact: true }).check();
    await question().last().getByRole('textbox', { name: /Lyhyesti/ }).fill('Kaksi uutta vastaanottoaikaa viikossa.');
    await question().last().getByRole('button', { name: 'Lähetä', exact: true }).click();
    await waitText('Kiitos! Vastaus tallennettiin ehdotukseen #1: Tehty.');
    await shot('4-answered');
    await say('omat havainnot');
    await page.getByText(/Asumisneuvontaa nuorille aikuisille – Toteutettu/).last().waitFor();
    await shot('5-my-path');
    result.ok = true;
  } else {
    throw new Error(`unknown scenario ${scenario}`);
  }
} catch (error) {
  result.error = String(error && error.message || error).split('\n')[0];
  await shot('failure').catch(() => {});
  await page.content().then((html) => fs.writeFileSync(path.join(artifacts, `${scenario}-failure.html`), html)).catch(() => {});
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
