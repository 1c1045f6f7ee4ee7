import { readParameters, requiredParameter } from '../../pipelines/run/read-parameters.js';
import { seedsDir } from './temp-project.js';

/** The repo's seeds folder and its parameters, read once as a run reads them: what a load is given. */
export const repoSeeds = { seedsDir, parameters: await readParameters(seedsDir) };

/** The shop time zone of the repo's seeds: what a generated shop is written in. */
export const shopTimeZone = requiredParameter(repoSeeds.parameters, 'shop_time_zone');
