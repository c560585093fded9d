// Prints the README's configuration table from core/config.ts (the one place settings are defined).
import { SETTINGS } from '../core/config';

console.log('| Variable | Default | Meaning |\n|---|---|---|');
for (const s of Object.values(SETTINGS)) console.log(`| \`${s.env}\` | ${s.default === undefined ? '—' : `\`${s.default}\``} | ${s.doc} |`);
