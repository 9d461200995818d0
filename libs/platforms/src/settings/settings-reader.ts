import type { z } from 'zod';
import type { PlatformConfig } from '../platform-config';

/**
 * Parses a kind's settings once per loaded platform: they were validated when saved, and the
 * catalog reads them when it loads, so a request never parses them again.
 */
export function settingsReader<S>(schema: z.ZodType<S>): (platform: PlatformConfig) => S {
  const parsed = new WeakMap<PlatformConfig, S>();
  return (platform) => {
    let settings = parsed.get(platform);
    if (settings === undefined) {
      settings = schema.parse(platform.settings);
      parsed.set(platform, settings);
    }
    return settings;
  };
}
