/** Liveness/readiness from each configured backend's own probe (sqlite/mongodb, redis, filesystem). */
export interface HealthCheck {
  /** The key under `services`, e.g. sqlite, mongodb, redis, filesystem. */
  name: string;
  /** Label when the check passes / fails, e.g. connected/disconnected. */
  up: string;
  down: string;
  check(): Promise<boolean>;
}

export interface HealthReport {
  status: 'healthy' | 'unhealthy';
  services: Record<string, string>;
}

const CHECK_TIMEOUT_MS = 2_000;

async function probe(check: HealthCheck): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check.check().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function createHealthService(checks: HealthCheck[]) {
  return {
    async report(): Promise<HealthReport> {
      const results = await Promise.all(checks.map(probe));
      const services: Record<string, string> = {};
      checks.forEach((check, index) => {
        services[check.name] = results[index] ? check.up : check.down;
      });
      return { status: results.every(Boolean) ? 'healthy' : 'unhealthy', services };
    },
  };
}

export type HealthService = ReturnType<typeof createHealthService>;
