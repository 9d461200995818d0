import { CredentialError, type CredentialErrorCode } from '@fedbroker/admin-credentials';
import { AuditQueryError, type AuditQueryErrorCode } from '@fedbroker/audit';
import { CatalogError, type CatalogErrorCode } from '@fedbroker/catalog';
import { HistoryQueryError, type HistoryQueryErrorCode } from '@fedbroker/history';
import { MintingError, type MintingErrorCode } from '@fedbroker/minting';
import { AdminAuthError } from '../admin/admin-auth.error';
import { AdminForbiddenError } from '../admin/admin-forbidden.error';
import { InvalidRequestError } from '../admin/invalid-request.error';
import { PreconditionFailedError } from '../admin/precondition-failed.error';
import { PreconditionRequiredError } from '../admin/precondition-required.error';
import { problem, type ProblemDetails } from './problem-details';

const CATALOG_STATUS: Record<CatalogErrorCode, { status: number; title: string }> = {
  validation_failed: { status: 400, title: 'Validation failed' },
  not_found: { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
  in_use: { status: 409, title: 'Conflict' },
  precondition_failed: { status: 412, title: 'Precondition failed' },
};

const CREDENTIAL_STATUS: Record<CredentialErrorCode, { status: number; title: string }> = {
  validation_failed: { status: 400, title: 'Validation failed' },
  not_found: { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
};

/** `null`: a server-side failure, answered as an unexpected 500 whose detail stays in the log. */
const MINTING_STATUS: Record<MintingErrorCode, { status: number; title: string } | null> = {
  invalid_rotation: { status: 400, title: 'Validation failed' },
  rotation_pending: { status: 409, title: 'Conflict' },
  key_unreadable: { status: 409, title: 'Conflict' },
  invalid_kek: null,
  kek_mismatch: null,
  invalid_wrapped_key: null,
  keys_not_loaded: null,
  invalid_mint_input: null,
};

const AUDIT_QUERY_FIELD: Record<AuditQueryErrorCode, string> = {
  invalid_cursor: 'cursor',
  invalid_limit: 'limit',
  invalid_range: 'from',
};

const HISTORY_QUERY_FIELD: Record<HistoryQueryErrorCode, string> = {
  invalid_cursor: 'cursor',
  invalid_limit: 'limit',
  invalid_range: 'from',
};

/** The problem an admin-side error becomes, or undefined when it is not one the admin API knows. */
export function adminProblem(error: unknown): ProblemDetails | undefined {
  if (error instanceof CatalogError) {
    const { status, title } = CATALOG_STATUS[error.code];
    const errors = error.problems.length > 0 ? error.problems : undefined;
    return problem(status, title, error.message, errors, error.conflicts);
  }
  if (error instanceof CredentialError) {
    const { status, title } = CREDENTIAL_STATUS[error.code];
    const errors = error.problems.length > 0 ? error.problems : undefined;
    const conflicts = error.conflictingName ? [{ resource: 'credential', name: error.conflictingName }] : [];
    return problem(status, title, error.message, errors, conflicts);
  }
  if (error instanceof AdminAuthError) return problem(401, 'Unauthorized', error.message);
  if (error instanceof AdminForbiddenError) return problem(403, 'Forbidden', error.message);
  if (error instanceof PreconditionRequiredError) return problem(428, 'Precondition Required', error.message);
  if (error instanceof PreconditionFailedError) return problem(412, 'Precondition failed', error.message);
  if (error instanceof InvalidRequestError)
    return problem(400, 'Validation failed', error.message, error.problems);
  if (error instanceof AuditQueryError) {
    return problem(400, 'Validation failed', error.message, [
      { field: AUDIT_QUERY_FIELD[error.code], message: error.message },
    ]);
  }
  if (error instanceof HistoryQueryError) {
    return problem(400, 'Validation failed', error.message, [
      { field: HISTORY_QUERY_FIELD[error.code], message: error.message },
    ]);
  }
  if (error instanceof MintingError) {
    const known = MINTING_STATUS[error.code];
    const conflicts = error.kid ? [{ resource: 'signing-key', name: error.kid }] : [];
    return known ? problem(known.status, known.title, error.message, undefined, conflicts) : undefined;
  }
  return undefined;
}
