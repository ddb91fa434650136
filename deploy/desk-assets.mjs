// Copies the desk's browser libraries (pinned in package.json / package-lock.json) from
// node_modules into bot/desk/static/vendor, where the wheel's package data picks them up.
// Run by `make desk-assets` and by the Dockerfile's assets stage; nothing is fetched at run time.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const modules = path.join(root, 'node_modules');
const target = path.join(root, 'bot', 'desk', 'static', 'vendor');
const files = {
  'htmx.min.js': ['htmx.org/dist/htmx.min.js', 'htmx.org/LICENSE'],
  'chart.umd.min.js': ['chart.js/dist/chart.umd.min.js', 'chart.js/LICENSE.md'],
  'MicrosoftTeams.min.js': ['@microsoft/teams-js/dist/umd/MicrosoftTeams.min.js', '@microsoft/teams-js/LICENSE'],
};
fs.mkdirSync(target, { recursive: true });
for (const [name, [source, licence]] of Object.entries(files)) {
  // the source maps are not shipped: drop the comment that points at them
  const text = fs.readFileSync(path.join(modules, source), 'utf8').replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n');
  fs.writeFileSync(path.join(target, name), text);
  const licencePath = path.join(modules, licence);
  if (fs.existsSync(licencePath)) {
    fs.copyFileSync(licencePath, path.join(target, `${name.replace(/\.min\.js$/, '')}.LICENSE.txt`));
  }
}
fs.writeFileSync(path.join(target, '.copied'), new Date().toISOString() + '\n');
process.stdout.write(`desk assets copied to ${path.relative(root, target)}\n`);
