/** Every error the API reports on purpose; mapped to HTTP in one place (http-exception.filter). */
export enum DomainExceptionCode {
  REVIEW_NOT_FOUND = 'REVIEW_NOT_FOUND',
  AGENCY_NOT_FOUND = 'AGENCY_NOT_FOUND',
  REVIEW_CLOSED = 'REVIEW_CLOSED',
  ACTION_REJECTED = 'ACTION_REJECTED',
  STEP_NOT_FOUND = 'STEP_NOT_FOUND',
  PROTOCOL_NOT_FOUND = 'PROTOCOL_NOT_FOUND',
  PROTOCOL_INVALID = 'PROTOCOL_INVALID',
  PROTOCOL_PUBLISHED = 'PROTOCOL_PUBLISHED',
  PROTOCOL_VERSION_EXISTS = 'PROTOCOL_VERSION_EXISTS',
  INVALID_CURSOR = 'INVALID_CURSOR',
  DEPENDENCY_UNAVAILABLE = 'DEPENDENCY_UNAVAILABLE',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  IDEMPOTENCY_KEY_CONFLICT = 'IDEMPOTENCY_KEY_CONFLICT',
  CODEC_FAILED = 'CODEC_FAILED',
  SERVICE_ACCOUNT_NOT_FOUND = 'SERVICE_ACCOUNT_NOT_FOUND',
  OPS_REQUEST_NOT_FOUND = 'OPS_REQUEST_NOT_FOUND',
  OPS_REQUEST_NOT_PENDING = 'OPS_REQUEST_NOT_PENDING',
  /** Two-person rule: the operator who requested a repair cannot approve it. */
  OPS_SAME_OPERATOR = 'OPS_SAME_OPERATOR',
}

export interface FieldError {
  field: string;
  message: string;
}

export class DomainException extends Error {
  constructor(
    readonly code: DomainExceptionCode,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
    this.name = 'DomainException';
  }
}

export function domainStatus(code: DomainExceptionCode): number {
  switch (code) {
    case DomainExceptionCode.REVIEW_NOT_FOUND:
    case DomainExceptionCode.AGENCY_NOT_FOUND:
    case DomainExceptionCode.STEP_NOT_FOUND:
    case DomainExceptionCode.PROTOCOL_NOT_FOUND:
    case DomainExceptionCode.SERVICE_ACCOUNT_NOT_FOUND:
    case DomainExceptionCode.OPS_REQUEST_NOT_FOUND:
      return 404;
    case DomainExceptionCode.UNAUTHENTICATED:
      return 401;
    case DomainExceptionCode.FORBIDDEN:
    case DomainExceptionCode.OPS_SAME_OPERATOR:
      return 403;
    case DomainExceptionCode.REVIEW_CLOSED:
    case DomainExceptionCode.IDEMPOTENCY_KEY_CONFLICT:
    case DomainExceptionCode.PROTOCOL_PUBLISHED:
    case DomainExceptionCode.PROTOCOL_VERSION_EXISTS:
    case DomainExceptionCode.OPS_REQUEST_NOT_PENDING:
      return 409;
    case DomainExceptionCode.ACTION_REJECTED:
    case DomainExceptionCode.PROTOCOL_INVALID:
      return 422;
    case DomainExceptionCode.INVALID_CURSOR:
    case DomainExceptionCode.CODEC_FAILED:
      return 400;
    case DomainExceptionCode.DEPENDENCY_UNAVAILABLE:
      return 503;
  }
}
