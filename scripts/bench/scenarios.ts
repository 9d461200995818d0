// Every scenario `npm run bench -- --scenario <name>` knows, in the order `all` runs them.
import { audit10mScenario } from './audit-10m.scenario';
import type { BenchScenario } from './scenario';
import { tokenScenario } from './token.scenario';

export const scenarios: BenchScenario[] = [tokenScenario, audit10mScenario];
