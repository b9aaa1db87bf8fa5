/**
 * A failure of the assessment itself (bad endpoint answer, unusable model, malformed step
 * parameters, an artifact the engine may not hold): the step fails at once, without retries. Any
 * other error is retried by the protocol step's retry policy.
 */
export class AssessmentDomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssessmentDomainError';
  }
}
