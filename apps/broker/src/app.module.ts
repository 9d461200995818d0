import { Module, type DynamicModule } from '@nestjs/common';
import { ApplyController } from './admin/apply.controller';
import { AuditEventsController } from './admin/audit-events.controller';
import { ChangesController } from './admin/changes.controller';
import { ConsoleAssets } from './console/console-assets';
import { CONSOLE_ASSETS, ConsoleController } from './console/console.controller';
import { CredentialsController } from './admin/credentials.controller';
import { ExplainController } from './admin/explain.controller';
import { AdminGuard } from './admin/admin.guard';
import { MeController } from './admin/me.controller';
import { PlatformsController } from './admin/platforms.controller';
import { PoliciesController } from './admin/policies.controller';
import { PolicyValidationController } from './admin/policy-validation.controller';
import { SigningKeysController } from './admin/signing-keys.controller';
import { DiscoveryController } from './discovery/discovery.controller';
import { HealthController } from './health/health.controller';
import { ReferenceController } from './openapi/reference.controller';
import type { BrokerRuntime } from './runtime/broker-runtime';
import { BROKER_RUNTIME } from './runtime/broker-runtime.token';
import { MetricsController } from './telemetry/metrics.controller';
import { TokenController } from './token/token.controller';

/** The HTTP shell around a started {@link BrokerRuntime}. */
@Module({})
export class AppModule {
  static register(runtime: BrokerRuntime): DynamicModule {
    return {
      module: AppModule,
      controllers: [
        TokenController,
        DiscoveryController,
        HealthController,
        PlatformsController,
        PoliciesController,
        AuditEventsController,
        SigningKeysController,
        ExplainController,
        CredentialsController,
        ChangesController,
        ReferenceController,
        ApplyController,
        MetricsController,
        MeController,
        PolicyValidationController,
        ConsoleController,
      ],
      providers: [
        { provide: BROKER_RUNTIME, useValue: runtime },
        { provide: CONSOLE_ASSETS, useFactory: () => ConsoleAssets.shipped() },
        AdminGuard,
      ],
    };
  }
}
