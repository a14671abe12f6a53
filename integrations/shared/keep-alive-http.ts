import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import axios, { type AxiosInstance } from 'axios';

export interface KeepAliveHttp {
  http: AxiosInstance;
  /** `destroy()` it when the client closes */
  agent: HttpAgent | HttpsAgent;
}

/**
 * An HTTP client for one API base: connections kept alive, certificates checked, no redirect followed (a redirect
 * would carry the credentials elsewhere), and every status handed back for the retry loop and the client to read.
 */
export function keepAliveHttp(baseURL: string, timeoutMs: number | undefined, headers: Record<string, string>): KeepAliveHttp {
  const https = baseURL.toLowerCase().startsWith('https:');
  const agent = https ? new HttpsAgent({ keepAlive: true, rejectUnauthorized: true }) : new HttpAgent({ keepAlive: true });
  const http = axios.create({
    baseURL,
    timeout: timeoutMs ?? 10_000,
    ...(https ? { httpsAgent: agent } : { httpAgent: agent }),
    validateStatus: () => true,
    maxRedirects: 0,
    responseType: 'json',
    headers,
  });
  return { http, agent };
}
