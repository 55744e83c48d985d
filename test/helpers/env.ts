/**
 * The only place tests read the environment. In CI (`CI=true`) the services are expected on
 * 127.0.0.1; locally a suite that needs one runs only when its URL is set.
 */
const flag = process.env.CI?.trim().toLowerCase();
export const CI = flag !== undefined && flag !== '' && flag !== 'false' && flag !== '0';

export const REDIS_URL = process.env.REDIS_URL?.trim() || (CI ? 'redis://127.0.0.1:6379' : undefined);
export const DATABASE_URL = process.env.DATABASE_URL?.trim() || (CI ? 'postgresql://postgres@127.0.0.1:5432/test' : undefined);
