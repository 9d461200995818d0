// Every scenario `npm run bench -- --scenario <name>` knows, in the order `all` runs them.
import { memoryScenario } from './memory.scenario';
import type { BenchScenario } from './scenario';
import { tokenScenario } from './token.scenario';

export const scenarios: BenchScenario[] = [tokenScenario, memoryScenario];
