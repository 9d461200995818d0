import { format, resolveConfig } from 'prettier';
import { describe, expect, it } from 'vitest';
import { markdownTable, replaceTable, TABLE_END, TABLE_START } from '../../scripts/bench/report';

const results = [
  {
    scenario: 'latency',
    figures: [
      {
        what: '/token p50, one connection | broker minus baseline',
        value: 0.42,
        unit: 'ms',
        baseline: 'p50 0.58 ms',
        target: '<= 1 ms',
        met: true,
      },
    ],
  },
  {
    scenario: 'no-match',
    figures: [
      {
        what: 'audit reason of a refusal, 10000 policies × 1',
        value: 756,
        unit: 'bytes',
        target: '<= 1000 bytes',
        met: undefined,
      },
      { what: 'refusals / grants', value: 0.93, unit: 'x grant rate', target: '> 1', met: false },
    ],
  },
];

const readme = `# fedbroker\n\n## Benchmarks\n\n${TABLE_START}\n\nNot measured yet.\n${TABLE_END}\n\n## License\n`;

async function prettierMarkdown(text: string): Promise<string> {
  const config = (await resolveConfig('README.md')) ?? {};
  return format(text, { ...config, parser: 'markdown' });
}

describe('the bench report', () => {
  it('writes a README table that Prettier leaves as it is, so an updated README passes lint', async () => {
    const updated = replaceTable(
      readme,
      `\n\`npm run bench -- --scenario all\` on 2026-12-02, 2 × CPU, Node v20.\n\n${markdownTable(results)}\n`,
    );

    expect(await prettierMarkdown(updated)).toBe(updated);
  });

  it('replaces only what lies between the markers', () => {
    const updated = replaceTable(readme, '\nthe table\n');

    expect(updated).toBe(
      `# fedbroker\n\n## Benchmarks\n\n${TABLE_START}\n\nthe table\n\n${TABLE_END}\n\n## License\n`,
    );
  });

  it('refuses a README without the markers', () => {
    expect(() => replaceTable('# fedbroker\n', 'the table')).toThrow(/markers/);
  });
});
