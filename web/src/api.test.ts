import { afterEach, describe, expect, it } from 'vitest';
import { authHeaders, setCsrfToken } from './api';

describe('csrf header', () => {
  afterEach(() => setCsrfToken(undefined));
  it('is absent until a session gives a token', () => {
    expect(authHeaders()).toEqual({});
    expect(authHeaders({ 'Content-Type': 'application/json' })).toEqual({ 'Content-Type': 'application/json' });
  });
  it('goes with every request once signed in, and goes away on sign-out', () => {
    setCsrfToken('abc');
    expect(authHeaders({ 'Content-Type': 'application/json' })).toEqual({ 'Content-Type': 'application/json', 'X-Lokal-CSRF': 'abc' });
    setCsrfToken(undefined);
    expect(authHeaders()).toEqual({});
  });
});
