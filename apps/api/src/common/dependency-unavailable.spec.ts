import { ServiceError } from '@temporalio/client';
import { QueryFailedError } from 'typeorm';
import { isDependencyUnavailable } from './dependency-unavailable';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isDependencyUnavailable', () => {
  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5433', 'ECONNREFUSED')],
    ['an admin shutdown', withCode('terminating connection due to administrator command', '57P01')],
    ['a server starting up', withCode('the database system is starting up', '57P03')],
    ['a dropped connection', new Error('Connection terminated unexpectedly')],
    [
      'a wrapped driver error',
      new QueryFailedError('SELECT 1', [], withCode('connection failure', '08006')),
    ],
    [
      'parallel connection attempts',
      new AggregateError([withCode('connect ECONNREFUSED ::1:5433', 'ECONNREFUSED')], 'failed'),
    ],
    [
      'an unreachable Temporal frontend',
      new ServiceError('Unexpected error', { cause: Object.assign(new Error('x'), { code: 14 }) }),
    ],
  ])('is true for %s', (_what, err) => {
    expect(isDependencyUnavailable(err)).toBe(true);
  });

  it.each([
    ['a unique violation', new QueryFailedError('INSERT', [], withCode('duplicate key', '23505'))],
    ['a syntax error', withCode('syntax error at or near', '42601')],
    ['a plain bug', new TypeError('cannot read properties of undefined')],
    [
      'a Temporal not-found',
      new ServiceError('not found', { cause: Object.assign(new Error('x'), { code: 5 }) }),
    ],
    ['nothing', undefined],
  ])('is false for %s', (_what, err) => {
    expect(isDependencyUnavailable(err)).toBe(false);
  });
});
