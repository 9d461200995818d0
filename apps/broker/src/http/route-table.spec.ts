import { describe, expect, it } from 'vitest';
import { RouteTable } from './route-table';

describe('RouteTable', () => {
  const routes = new RouteTable();
  routes.add(['GET', 'HEAD'], '/admin/v1/platforms');
  routes.add('POST', '/admin/v1/platforms');
  routes.add(['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE'], '/admin/v1/platforms/:name');
  routes.add('POST', '/admin/v1/signing-keys/rotate');

  it('lists the methods of the routes a path has the shape of', () => {
    expect(routes.methodsFor('/admin/v1/platforms?x=1')).toEqual(['GET', 'HEAD', 'POST']);
    expect(routes.methodsFor('/admin/v1/platforms/east')).toEqual(['DELETE', 'GET', 'HEAD', 'PATCH', 'PUT']);
    expect(routes.methodsFor('/admin/v1/%73igning-keys/rotate')).toEqual(['POST']);
  });

  it('finds no method for a path no route has', () => {
    expect(routes.methodsFor('/admin/v1/nothing')).toEqual([]);
    expect(routes.methodsFor('/admin/v1/platforms/')).toEqual([]);
    expect(routes.methodsFor('/admin/v1/platforms/a/b')).toEqual([]);
  });

  it('names the parameter an undecodable segment stands for', () => {
    expect(routes.undecodableParameter('/admin/v1/platforms/%E0%A4%A')).toBe('name');
    expect(routes.undecodableParameter('/admin/v1/%E0/rotate')).toBeUndefined();
    expect(routes.undecodableParameter('/admin/v1/platforms/east')).toBeUndefined();
  });
});
