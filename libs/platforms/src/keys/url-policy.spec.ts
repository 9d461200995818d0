import { describe, expect, it } from 'vitest';
import { urlProblem } from './url-policy';

describe('urlProblem', () => {
  it.each([
    ['https://cluster.example/openid/v1/jwks', false],
    ['http://127.0.0.1:8080', false],
    ['http://127.8.9.10', false],
    ['http://localhost:6443', false],
    ['http://[::1]:6443', false],
    ['http://cluster.internal', true],
  ])('accepts %s (allowHttp %s)', (url, allowHttp) => {
    expect(urlProblem(url, allowHttp)).toBeUndefined();
  });

  it.each([
    ['kubernetes/serviceaccount', false],
    ['ftp://cluster.example', true],
    ['http://cluster.internal', false],
    ['http://127.0.0.1.nip.io', false],
    ['http://10.0.0.1', false],
    ['https://user:secret@cluster.example', false],
    ['https://cluster.example/#frag', false],
  ])('refuses %s (allowHttp %s)', (url, allowHttp) => {
    expect(urlProblem(url, allowHttp)).toEqual(expect.any(String));
  });
});
