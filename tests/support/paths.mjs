// Paths every JS test needs, resolved from the repository root (not the working directory).
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const webDist = path.join(repoRoot, 'web', 'dist');

