// Copies a preflight executable into server/<platform>-<arch>/, where the extension looks for a
// bundled server: `node scripts/bundle-server.mjs path/to/preflight [platform-arch]`.
// Then `npm run package -- --target <platform-arch>` builds a platform-specific .vsix.
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [binary, target = `${process.platform}-${process.arch}`] = process.argv.slice(2);
if (!binary) {
  console.error('usage: node scripts/bundle-server.mjs path/to/preflight [platform-arch]');
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const name = target.startsWith('win32-') ? 'preflight.exe' : 'preflight';
const destination = join(root, 'server', target, name);
mkdirSync(dirname(destination), { recursive: true });
copyFileSync(binary, destination);
chmodSync(destination, 0o755);
console.log(`bundled ${binary} as ${destination}`);
