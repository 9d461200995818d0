import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { BrokerConfig } from '@fedbroker/config';
import { createApp, type AppOptions } from './create-app';
import { AdminListener } from './http/admin-listener';
import { startRuntime, type BrokerRuntime, type RuntimeOptions } from './runtime/broker-runtime';

export interface ServeOptions extends RuntimeOptions {
  appLogger?: AppOptions['logger'];
}

/** A broker listening for requests. */
export interface ServingBroker {
  readonly runtime: BrokerRuntime;
  readonly app: NestFastifyApplication;
  /** The main listener's base URL. */
  readonly url: string;
  /** The admin listener's base URL, when there is one. */
  readonly adminUrl: string | undefined;
  /**
   * The admin credential generated because none was configured or stored: to be shown once. It is
   * made only after every listener is up, so that a start that fails (a port in use) loses none.
   */
  readonly generatedCredential: string | undefined;
  close(): Promise<void>;
}

/** Starts the runtime, the application and its listeners (main, and admin when configured). */
export async function serveBroker(config: BrokerConfig, options: ServeOptions): Promise<ServingBroker> {
  const runtime = await startRuntime(config, options);
  const adminListener = config.adminListener ? new AdminListener() : undefined;
  let app: NestFastifyApplication;
  try {
    app = await createApp(runtime, { logger: options.appLogger, adminListener });
  } catch (error) {
    await runtime.close();
    throw error;
  }
  try {
    await app.listen(config.port, config.host);
    const admin =
      adminListener && config.adminListener
        ? await adminListener.listen(config.adminListener.port, config.adminListener.host)
        : undefined;
    const generatedCredential = await runtime.credentials.ensureBootstrap();
    return {
      runtime,
      app,
      url: (await app.getUrl()).replace('[::1]', '127.0.0.1'),
      adminUrl: admin ? urlOf(admin) : undefined,
      generatedCredential,
      close: () => app.close(),
    };
  } catch (error) {
    await app.close();
    throw error;
  }
}

function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
