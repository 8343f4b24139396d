// The real MICA export this project grows out of lives beside the repository, in ../shared/seeds,
// on the machines it was developed on and nowhere else. Only the tests of that one file read it,
// through this module, and they skip with this message where it is absent: a clone of the
// repository alone passes its own tests. Everything else uses tests/fixtures/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SEED = fileURLToPath(new URL('../../../shared/seeds/mica-report-us-china-rare-earths.txt', import.meta.url));
export const hasSeed = existsSync(SEED);
export const seedMissing = `the real seed export is not at ${SEED} (it exists only beside the repository on the development machines); its tests are skipped`;
