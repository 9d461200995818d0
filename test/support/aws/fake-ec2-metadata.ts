import { randomBytes } from 'node:crypto';
import {
  createRegionCertificate,
  signDocument,
  signDocumentPkcs7,
  type RegionCertificate,
} from './region-certificate';
import { sendJson, serveLoopback } from './serve-loopback';

/** An EC2 instance as its identity document describes it. */
export interface FakeInstance {
  accountId: string;
  instanceId: string;
  region: string;
  availabilityZone: string;
  imageId: string;
  instanceType: string;
  architecture: string;
  privateIp: string;
  /** When the instance (last) started. */
  pendingTime: Date;
}

/** A loopback EC2 instance metadata service (IMDSv2) for one running instance at a time. */
export interface FakeEc2Metadata {
  /** `http://127.0.0.1:<port>` (`http://169.254.169.254` on EC2). */
  endpoint: string;
  /** The fake's region certificates: what `settings.regionCertificates` must name. */
  regionCertificates: Record<string, string>;
  requests: { token: number; document: number; signature: number; rsa2048: number };
  /** Starts an instance now (the clock's now); the metadata service then answers for it. */
  launch(instance: Partial<FakeInstance> & { accountId: string; region: string }): FakeInstance;
  close(): Promise<void>;
}

/** The document as IMDS serves it: pretty-printed with ` : `, no trailing newline, AWS's member order. */
export function instanceDocument(instance: FakeInstance): string {
  const members: [string, unknown][] = [
    ['accountId', instance.accountId],
    ['architecture', instance.architecture],
    ['availabilityZone', instance.availabilityZone],
    ['billingProducts', null],
    ['devpayProductCodes', null],
    ['marketplaceProductCodes', null],
    ['imageId', instance.imageId],
    ['instanceId', instance.instanceId],
    ['instanceType', instance.instanceType],
    ['kernelId', null],
    ['pendingTime', instance.pendingTime.toISOString().replace(/\.\d{3}Z$/, 'Z')],
    ['privateIp', instance.privateIp],
    ['ramdiskId', null],
    ['region', instance.region],
    ['version', '2017-09-30'],
  ];
  return `{\n${members.map(([name, value]) => `  ${JSON.stringify(name)} : ${JSON.stringify(value)}`).join(',\n')}\n}`;
}

const IDENTITY = '/latest/dynamic/instance-identity/';

/**
 * Starts a fake EC2 instance metadata service on 127.0.0.1, with its own RSA-2048 certificate per
 * region: `PUT /latest/api/token` (IMDSv2 session token), then `GET
 * /latest/dynamic/instance-identity/document`, `/signature` and `/rsa2048` with the token, signed
 * at the clock's time as EC2 signs them.
 */
export async function startFakeEc2Metadata(
  regions: readonly string[],
  clock: { now(): Date },
): Promise<FakeEc2Metadata> {
  const certificates = new Map<string, RegionCertificate>();
  for (const region of regions) certificates.set(region, await createRegionCertificate());
  const requests = { token: 0, document: 0, signature: 0, rsa2048: 0 };
  const sessionToken = randomBytes(32).toString('base64');
  let current: FakeInstance | undefined;

  const server = await serveLoopback(async (req, res) => {
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      requests.token += 1;
      return void res.writeHead(200, { 'content-type': 'text/plain' }).end(sessionToken);
    }
    const part = req.method === 'GET' && req.url?.startsWith(IDENTITY) ? req.url.slice(IDENTITY.length) : '';
    if (part !== 'document' && part !== 'signature' && part !== 'rsa2048') return sendJson(res, 404, {});
    if (req.headers['x-aws-ec2-metadata-token'] !== sessionToken) return void res.writeHead(401).end();
    requests[part] += 1;
    const region = current === undefined ? undefined : certificates.get(current.region);
    if (current === undefined || region === undefined) return void res.writeHead(404).end();
    const document = instanceDocument(current);
    const body =
      part === 'document'
        ? document
        : part === 'signature'
          ? await signDocument(region, document)
          : await signDocumentPkcs7(region, document, clock.now());
    res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
  });

  return {
    endpoint: server.origin,
    regionCertificates: Object.fromEntries([...certificates].map(([region, { pem }]) => [region, pem])),
    requests,
    launch(instance) {
      current = {
        instanceId: `i-0${randomBytes(8).toString('hex').slice(0, 16)}`,
        availabilityZone: `${instance.region}a`,
        imageId: 'ami-0c7217cdde317cfec',
        instanceType: 't3.micro',
        architecture: 'x86_64',
        privateIp: '172.31.17.154',
        pendingTime: new Date(Math.floor(clock.now().getTime() / 1000) * 1000),
        ...instance,
      };
      return current;
    },
    close: () => server.close(),
  };
}

/**
 * What a workload on the instance sends fedbroker: it asks IMDSv2 for its identity and presents
 * `{"document", "signature"}` or `{"pkcs7"}` (the `rsa2048` answer).
 */
export async function fetchInstanceIdentity(endpoint: string, form: 'signature' | 'pkcs7'): Promise<string> {
  const token = await (
    await fetch(`${endpoint}/latest/api/token`, {
      method: 'PUT',
      headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' },
    })
  ).text();
  const get = async (part: string) =>
    (await fetch(`${endpoint}${IDENTITY}${part}`, { headers: { 'x-aws-ec2-metadata-token': token } })).text();
  return form === 'pkcs7'
    ? JSON.stringify({ pkcs7: await get('rsa2048') })
    : JSON.stringify({ document: await get('document'), signature: await get('signature') });
}
