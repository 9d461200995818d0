// Every scenario `npm run bench -- --scenario <name>` knows, in the order `all` runs them.
import { reloadScenario } from './reload.scenario';
import type { BenchScenario } from './scenario';
import { tokenScenario } from './token.scenario';

export const scenarios: BenchScenario[] = [tokenScenario, reloadScenario];
