import { ServiceError } from '@temporalio/client';

/** gRPC status UNAVAILABLE. */
const GRPC_UNAVAILABLE = 14;

/** Node's socket errors when PostgreSQL is down or restarting. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

/**
 * PostgreSQL SQLSTATEs that mean "the server is not there right now", not "your query is wrong":
 * class 08 (connection exception) and 57P01–57P03 (admin shutdown, crash shutdown, starting up).
 */
const UNAVAILABLE_SQLSTATE = /^(08\d{3}|57P0[123])$/;

/** pg's own messages for a connection that the server dropped, which carry no code. */
const DROPPED =
  /Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect/i;

/**
 * True when `err` says a backing service (PostgreSQL or the Temporal frontend) cannot be reached
 * at the moment, so the request may succeed if retried: the API answers 503, not 500.
 */
export function isDependencyUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  const e = err as {
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof e.code === 'string' && (SOCKET_CODES.has(e.code) || UNAVAILABLE_SQLSTATE.test(e.code)))
    return true;
  // A Temporal client call whose gRPC status is UNAVAILABLE (the frontend is down).
  if (err instanceof ServiceError && (e.cause as { code?: unknown })?.code === GRPC_UNAVAILABLE)
    return true;
  if (typeof e.message === 'string' && DROPPED.test(e.message)) return true;
  // TypeORM wraps driver errors; Node wraps parallel connection attempts in an AggregateError.
  const inner = [e.driverError, e.cause, ...(Array.isArray(e.errors) ? e.errors : [])];
  return inner.some((x) => isDependencyUnavailable(x, depth + 1));
}
