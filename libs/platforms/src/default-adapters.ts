import { kubernetesAdapter } from './kubernetes/kubernetes.adapter';
import type { PlatformAdapter } from './platform-adapter';

/** The adapters the broker runs with. Adding a kind is one folder and one line here. */
export const defaultAdapters: PlatformAdapter[] = [kubernetesAdapter];
