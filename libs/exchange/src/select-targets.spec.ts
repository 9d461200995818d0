import { describe, expect, it } from 'vitest';
import type { PolicyMatch } from '@fedbroker/policy';
import { selectScopes, selectTargets } from './select-targets';

const match = (audiences: string[], scopes: string[] = []): PolicyMatch => ({
  policy: 'p',
  subject: 's',
  claims: {},
  audiences,
  scopes,
  ttlSeconds: 60,
});

describe('selectTargets', () => {
  it('uses the single allowed audience when none is requested', () => {
    expect(selectTargets([], match(['https://a']))).toEqual(['https://a']);
  });

  it('refuses to guess among several audiences', () => {
    expect(() => selectTargets([], match(['https://a', 'https://b']))).toThrow(
      expect.objectContaining({ code: 'target_not_allowed' }),
    );
  });

  it('grants requested audiences the policy allows, once each', () => {
    expect(selectTargets(['https://b', 'https://b'], match(['https://a', 'https://b']))).toEqual([
      'https://b',
    ]);
  });

  it('refuses an audience the policy does not allow, naming it in the audit reason only', () => {
    try {
      selectTargets(['https://evil'], match(['https://a']));
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({
        code: 'target_not_allowed',
        reason: 'policy p does not allow https://evil',
      });
      expect((error as Error).message).not.toContain('evil');
    }
  });
});

describe('selectScopes', () => {
  it('grants every policy scope when none is requested', () => {
    expect(selectScopes(undefined, match([], ['r', 'w']))).toEqual(['r', 'w']);
  });

  it('grants a requested subset', () => {
    expect(selectScopes(['w'], match([], ['r', 'w']))).toEqual(['w']);
  });

  it('refuses a scope the policy does not grant', () => {
    expect(() => selectScopes(['admin'], match([], ['r']))).toThrow(
      expect.objectContaining({ code: 'scope_not_allowed' }),
    );
  });
});
