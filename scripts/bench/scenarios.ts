// Every scenario `npm run bench -- --scenario <name>` knows, in the order `all` runs them.
import { bulkLoadScenario } from './bulk-load.scenario';
import { reloadScenario } from './reload.scenario';
import type { BenchScenario } from './scenario';
import { tokenScenario } from './token.scenario';

export const scenarios: BenchScenario[] = [tokenScenario, reloadScenario, bulkLoadScenario];
