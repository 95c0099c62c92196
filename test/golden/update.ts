/** Writes the golden traces again (`npm run golden:update`): only when the format changed on purpose. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GOLDEN } from './traces';

const dir = path.join(__dirname, '..', 'fixtures', 'golden');
fs.mkdirSync(dir, { recursive: true });
for (const g of GOLDEN) {
  const file = path.join(dir, `${g.name}.looplens`);
  fs.writeFileSync(file, g.bytes());
  console.log(`wrote ${path.relative(process.cwd(), file)} — ${g.about}`);
}
