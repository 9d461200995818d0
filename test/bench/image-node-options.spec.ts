import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { imageNodeOptions } from '../../scripts/bench/broker-process';

interface Container {
  env?: { name: string; value?: string }[];
}

function kubernetesBaseNodeOptions(): string | undefined {
  const deployment = parse(readFileSync('deploy/kubernetes/base/deployment.yaml', 'utf8')) as {
    spec: { template: { spec: { containers: Container[] } } };
  };
  const [broker] = deployment.spec.template.spec.containers;
  return broker?.env?.find((entry) => entry.name === 'NODE_OPTIONS')?.value;
}

describe('imageNodeOptions', () => {
  it('reads the heap limit the image sets, the one the bench brokers run with', () => {
    expect(imageNodeOptions(readFileSync('Dockerfile', 'utf8'))).toBe('--max-old-space-size=384');
  });

  it('is what the Kubernetes base sets too', () => {
    expect(kubernetesBaseNodeOptions()).toBe(imageNodeOptions(readFileSync('Dockerfile', 'utf8')));
  });

  it('takes a quoted value without its quotes', () => {
    expect(imageNodeOptions('FROM node\nENV NODE_OPTIONS="--max-old-space-size=256"\n')).toBe(
      '--max-old-space-size=256',
    );
  });

  it('fails when the Dockerfile sets none', () => {
    expect(() => imageNodeOptions('FROM node\nENV NODE_ENV=production\n')).toThrow(/no NODE_OPTIONS/);
  });
});
