import type { KeySource } from '../../keys/key-source';
import { DEFAULT_AWS_REGION_CERTIFICATES } from '../aws-region-certificates';
import { pemCertificates, type AwsSettings } from '../aws-settings.schema';

type CertificateSource = Extract<KeySource, { type: 'certificates' }>;

/** The certificates trusted for one region: the platform's own for it, else the shipped ones. */
export function regionCertificateSource(
  settings: AwsSettings,
  region: string,
): CertificateSource | undefined {
  const configured = settings.regionCertificates?.[region];
  const pems =
    configured === undefined ? DEFAULT_AWS_REGION_CERTIFICATES[region] : pemCertificates(configured);
  return pems === undefined || pems.length === 0 ? undefined : { type: 'certificates', pems };
}

/** Every certificate the platform trusts, all regions together: what the admin API reports. */
export function allRegionCertificates(settings: AwsSettings): CertificateSource {
  const regions = new Set([
    ...Object.keys(DEFAULT_AWS_REGION_CERTIFICATES),
    ...Object.keys(settings.regionCertificates ?? {}),
  ]);
  const pems = [...regions].sort().flatMap((region) => regionCertificateSource(settings, region)?.pems ?? []);
  return { type: 'certificates', pems };
}
