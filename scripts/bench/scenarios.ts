// Every scenario `npm run bench -- --scenario <name>` knows, in the order `all` runs them.
import { audit10mScenario } from './audit-10m.scenario';
import { bulkLoadScenario } from './bulk-load.scenario';
import { latencyScenario } from './latency.scenario';
import { memoryScenario } from './memory.scenario';
import { noMatchScenario } from './no-match.scenario';
import { platforms1000Scenario } from './platforms-1000.scenario';
import { policies10kScenario } from './policies-10k.scenario';
import { reloadScenario } from './reload.scenario';
import { scaleOutScenario } from './scale-out.scenario';
import type { BenchScenario } from './scenario';
import { soakScenario } from './soak.scenario';
import { tokenScenario } from './token.scenario';

export const scenarios: BenchScenario[] = [
  tokenScenario,
  latencyScenario,
  policies10kScenario,
  platforms1000Scenario,
  noMatchScenario,
  reloadScenario,
  bulkLoadScenario,
  memoryScenario,
  scaleOutScenario,
  audit10mScenario,
  soakScenario,
];
