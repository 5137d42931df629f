import http from 'node:http';

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Milliseconds from sending to the last byte. */
  ms: number;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
}

/** Figures shared by every phase, printed at the end. */
export const figures = {
  requestsSent: 0,
  faultsInjected: 0,
  badInputsTried: 0,
  configsVerified: 0,
  lost: 0,
  corrupted: 0,
};

/** Everything that broke a promise; any entry makes the suite fail. */
export const violations: string[] = [];

export function violation(message: string): void {
  // Capped: a counterexample can hold a megabyte of body.
  if (violations.length < 200) violations.push(message.length > 800 ? `${message.slice(0, 800)}…` : message);
}

const agents = new Map<number, http.Agent>();

function agentFor(port: number): http.Agent {
  let agent = agents.get(port);
  if (!agent) {
    agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    agents.set(port, agent);
  }
  return agent;
}

export function closeAgents(): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}

/** One HTTP request over a keep-alive connection. Rejects on a network error or after `timeoutMs`. */
export function request(port: number, path: string, options: RequestOptions = {}): Promise<Response> {
  figures.requestsSent++;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        agent: agentFor(port),
        headers: {
          ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}),
          ...options.headers,
        },
        timeout: options.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ms: performance.now() - started }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${options.timeoutMs ?? 30_000} ms: ${options.method ?? 'GET'} ${path}`)));
    req.on('error', reject);
    req.end(body);
  });
}

export const json = (response: Response): unknown => JSON.parse(response.body.toString('utf8'));

/** Why `response` is not a proper error envelope, or null when it is (or needs none). */
export function envelopeProblem(response: Response, method = 'GET'): string | null {
  if (response.status < 400 || method === 'HEAD') return null;
  let body: unknown;
  try {
    body = json(response);
  } catch {
    return `${response.status} body is not JSON: ${response.body.subarray(0, 120).toString('utf8')}`;
  }
  const value = body as Record<string, unknown>;
  if (typeof value !== 'object' || value === null) return `${response.status} body is not an object`;
  for (const key of ['error', 'code', 'correlationId']) {
    if (typeof value[key] !== 'string' || value[key] === '') return `${response.status} envelope lacks ${key}: ${response.body.subarray(0, 200).toString('utf8')}`;
  }
  if (typeof value.details !== 'object' || value.details === null) return `${response.status} envelope lacks details`;
  if (response.status >= 500 && /\bat .+:\d+:\d+/.test(response.body.toString('utf8'))) return `${response.status} leaks a stack trace`;
  return null;
}

/** Records a violation when an error response lacks the envelope. */
export function checkEnvelope(response: Response, what: string, method = 'GET'): void {
  const problem = envelopeProblem(response, method);
  if (problem !== null) violation(`${what}: ${problem}`);
}

/** Random integer in [min, max]. */
export function randomInt(min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min + 1));
}

export function macOf(n: number): string {
  return [0x02, 0x00, 0x00, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff].map((b) => b.toString(16).padStart(2, '0')).join('-');
}

/** The bytes the service stores for `content`: pretty-printed, 2-space indent, trailing newline. */
export function storedBytes(content: unknown): string {
  return `${JSON.stringify(content, null, 2)}\n`;
}

export function putBody(content: unknown): string {
  return JSON.stringify({ content });
}
