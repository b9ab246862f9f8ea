// The seeded generator of the reliability campaign (scripts/reliability/seeded-rng.mjs), so that a
// seed names the same generated input in a test and in the campaign.

export { seededRng } from '../../scripts/reliability/seeded-rng.mjs';

export type Rng = () => number;
