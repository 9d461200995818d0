// Every scenario `npm run bench -- --scenario <name>` knows, in the order `all` runs them.
import { bulkLoadScenario } from './bulk-load.scenario';
import { reloadScenario } from './reload.scenario';
import { scaleOutScenario } from './scale-out.scenario';
import type { BenchScenario } from './scenario';
import { soakScenario } from './soak.scenario';
import { tokenScenario } from './token.scenario';

export const scenarios: BenchScenario[] = [
  tokenScenario,
  reloadScenario,
  bulkLoadScenario,
  soakScenario,
  scaleOutScenario,
];
