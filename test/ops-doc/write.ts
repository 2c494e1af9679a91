/** `npm run docs:ops`: writes docs/ops.md from the op table (run from the repository's root). */
import { writeFileSync } from 'node:fs';
import { renderOpsPage } from './render.js';

writeFileSync('docs/ops.md', renderOpsPage());
