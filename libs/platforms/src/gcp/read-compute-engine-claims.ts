import type { JWTPayload } from 'jose';
import {
  optionalId,
  optionalIdList,
  optionalInteger,
  optionalObject,
  optionalString,
  present,
} from './gcp-claim-values';

/** What a `format=full` token says of the Compute Engine instance that requested it. */
export interface ComputeEngineClaims {
  projectId?: string;
  projectNumber?: string;
  zone?: string;
  instanceId?: string;
  instanceName?: string;
  /** Seconds since the epoch. */
  instanceCreationTimestamp?: number;
  /** With `licenses=TRUE`: the ids of the boot image's licenses. */
  licenseIds?: string[];
}

const ROOT = 'google.compute_engine';

/**
 * Reads `google.compute_engine`, which the metadata server adds to a token requested with
 * `format=full` on a Compute Engine instance (not on Cloud Run or Cloud Functions). Every member is
 * optional; one of the wrong type refuses the token.
 */
export function readComputeEngineClaims(claims: JWTPayload): ComputeEngineClaims {
  const google = optionalObject(claims, 'google', 'google');
  const instance = google && optionalObject(google, 'compute_engine', ROOT);
  if (instance === undefined) return {};
  return {
    ...present('projectId', optionalString(instance, 'project_id', `${ROOT}.project_id`)),
    ...present('projectNumber', optionalId(instance, 'project_number', `${ROOT}.project_number`)),
    ...present('zone', optionalString(instance, 'zone', `${ROOT}.zone`)),
    ...present('instanceId', optionalId(instance, 'instance_id', `${ROOT}.instance_id`)),
    ...present('instanceName', optionalString(instance, 'instance_name', `${ROOT}.instance_name`)),
    ...present(
      'instanceCreationTimestamp',
      optionalInteger(instance, 'instance_creation_timestamp', `${ROOT}.instance_creation_timestamp`),
    ),
    ...present('licenseIds', optionalIdList(instance, 'license_id', `${ROOT}.license_id`)),
  };
}
