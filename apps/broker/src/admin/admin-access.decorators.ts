import { SetMetadata } from '@nestjs/common';

export const ADMIN_ONLY = 'fedbroker:admin-only';
export const AUDITOR_ALLOWED = 'fedbroker:auditor-allowed';

/** A read that only `admin` credentials may make (reads are otherwise open to `auditor`). */
export const AdminOnly = () => SetMetadata(ADMIN_ONLY, true);

/** A non-GET endpoint that writes nothing, which `auditor` credentials may call (explain, say). */
export const AuditorAllowed = () => SetMetadata(AUDITOR_ALLOWED, true);
