import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { BlockList, connect, isIP } from 'node:net';
import { defineSkill, z } from '@biged/skill-sdk';
import { PenTestTargetError } from './errors/pen-test-target-error';
import { isoDate, knowledgeFile, slugify } from './internal/model-skill';

/** Where reports go, under `<home>/knowledge`. */
export const PEN_TEST_FOLDER = 'security/pen_tests';

/** Ports scanned when the payload names none. */
export const PEN_TEST_DEFAULT_PORTS: readonly number[] = [
  21, 22, 23, 25, 53, 80, 110, 143, 443, 445, 631, 3000, 3306, 4000, 5000, 5432, 5900, 6379, 8000, 8080, 8443,
  8888, 9000, 9200, 11434, 27017,
];

/** Most ports one scan may try. */
export const PEN_TEST_MAX_PORTS = 1024;

/** Response headers whose absence an HTTP probe reports. */
export const PEN_TEST_SECURITY_HEADERS: readonly string[] = [
  'content-security-policy',
  'x-content-type-options',
  'x-frame-options',
  'referrer-policy',
];

/** Most bytes of a response body an HTTP probe reads (enough to spot a directory listing). */
const MAX_BODY_BYTES = 64 * 1024;

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** True for 127.0.0.0/8, ::1 and IPv4-mapped 127.x addresses. */
export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return LOOPBACK.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Resolves a name to its addresses, like `dns.promises.lookup(name, { all: true })`. */
export type PenTestLookup = (host: string) => Promise<Array<{ address: string; family: number }>>;

const defaultLookup: PenTestLookup = (host) => dnsLookup(host, { all: true, verbatim: true });

/**
 * The addresses of `host` if every one is loopback, else a `PenTestTargetError`: an IP literal must be in
 * 127.0.0.0/8 or be ::1; a name is resolved first (`lookup`, default the system resolver) and refused when
 * any address it resolves to is not loopback, or when it does not resolve.
 */
export async function checkLoopbackTarget(
  host: string,
  { lookup = defaultLookup }: { lookup?: PenTestLookup } = {},
): Promise<string[]> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare) !== 0) {
    if (isLoopbackAddress(bare)) return [bare];
    throw new PenTestTargetError({
      code: 'PEN_TEST_TARGET_REFUSED',
      host,
      addresses: [bare],
      message: `pen_test: ${host} is not a loopback address; only 127.0.0.0/8 and ::1 may be probed`,
    });
  }
  let resolved: Array<{ address: string; family: number }>;
  try {
    resolved = await lookup(bare);
  } catch (error) {
    throw new PenTestTargetError({
      code: 'PEN_TEST_TARGET_UNRESOLVED',
      host,
      addresses: [],
      message: `pen_test: ${host} did not resolve: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
  const addresses = [...new Set(resolved.map((entry) => entry.address))];
  const outside = addresses.filter((address) => !isLoopbackAddress(address));
  if (addresses.length === 0 || outside.length > 0) {
    throw new PenTestTargetError({
      code: addresses.length === 0 ? 'PEN_TEST_TARGET_UNRESOLVED' : 'PEN_TEST_TARGET_REFUSED',
      host,
      addresses,
      message:
        addresses.length === 0
          ? `pen_test: ${host} resolved to no address`
          : `pen_test: ${host} resolves to ${outside.join(', ')}, which ${outside.length === 1 ? 'is' : 'are'} not loopback; only this machine may be probed`,
    });
  }
  return addresses;
}

/** The state of one port. */
export type PortState = 'open' | 'closed' | 'timeout' | 'error';

/** What an HTTP probe of an open port found. */
export interface HttpProbe {
  /** The status code, or undefined when the port did not answer HTTP. */
  status?: number | undefined;
  /** The `Server` header. */
  server?: string | undefined;
  /** The `X-Powered-By` header. */
  poweredBy?: string | undefined;
  /** Security headers the response lacks (of `PEN_TEST_SECURITY_HEADERS`). */
  missingHeaders: string[];
  /** True when `/` answers with a directory listing ("Index of /", "Directory listing for /"). */
  directoryListing: boolean;
  /** Why there is no answer, when there is none. */
  error?: string | undefined;
}

/** One scanned port. */
export interface PortResult {
  port: number;
  state: PortState;
  /** Only for open ports when `http_probe` is on. */
  http?: HttpProbe | undefined;
}

/** What `pen_test` returns. */
export interface PenTestResult {
  /** The host as given. */
  host: string;
  /** The loopback address scanned. */
  address: string;
  /** Every port tried, ascending. */
  ports: PortResult[];
  /** The open ones. */
  open: number[];
  /** One line per problem found (missing headers, listings, exposed version banners). */
  findings: string[];
  /** The report: `<home>/knowledge/security/pen_tests/<host>_pen_test_<YYYYMMDD>_<agent>.md`. */
  file: string;
}

const portNumber = z.number().int().min(1).max(65535);

const payloadSchema = z
  .strictObject({
    /** A loopback address (127.0.0.0/8, ::1) or a name that resolves only to loopback, like `localhost`. */
    host: z.string().min(1).max(253),
    /** Ports to try (1..1024 of them). Give this, `port_range` or neither (the default list). */
    ports: z.array(portNumber).min(1).max(PEN_TEST_MAX_PORTS).optional(),
    /** An inclusive range of at most 1024 ports. */
    port_range: z.strictObject({ from: portNumber, to: portNumber }).optional(),
    /** Connect time limit per port, 50..10 000 ms. Default 1 000. */
    timeout_ms: z.number().int().min(50).max(10_000).default(1000),
    /** Ports tried at once, 1..128. Default 32. */
    concurrency: z.number().int().min(1).max(128).default(32),
    /** Probe open ports with an HTTP GET /. Default true. */
    http_probe: z.boolean().default(true),
  })
  .superRefine((payload, context) => {
    if (payload.ports !== undefined && payload.port_range !== undefined) {
      context.addIssue({ code: 'custom', message: 'give "ports" or "port_range", not both' });
    }
    const range = payload.port_range;
    if (range !== undefined) {
      if (range.to < range.from) {
        context.addIssue({ code: 'custom', path: ['port_range'], message: '"to" is below "from"' });
      } else if (range.to - range.from + 1 > PEN_TEST_MAX_PORTS) {
        context.addIssue({
          code: 'custom',
          path: ['port_range'],
          message: `spans ${range.to - range.from + 1} ports, over the limit of ${PEN_TEST_MAX_PORTS}`,
        });
      }
    }
  });

function tryPort(address: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<PortState> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, signal });
    const done = (state: PortState) => {
      socket.destroy();
      resolve(state);
    };
    socket.setTimeout(timeoutMs, () => done('timeout'));
    socket.once('connect', () => done('open'));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done(error.code === 'ECONNREFUSED' ? 'closed' : error.name === 'AbortError' ? 'error' : 'error'),
    );
  });
}

function probeHttp(
  address: string,
  hostHeader: string,
  port: number,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<HttpProbe> {
  return new Promise((resolve) => {
    const request = httpRequest(
      {
        host: address,
        port,
        path: '/',
        method: 'GET',
        headers: { host: hostHeader, 'user-agent': 'biged-pen-test', connection: 'close' },
        // One connection per probe, closed after it: a scanner must not leave idle keep-alive sockets behind.
        agent: false,
        signal,
        timeout: timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const header = (key: string) => {
            const value = response.headers[key];
            return Array.isArray(value) ? value.join(', ') : value;
          };
          resolve({
            status: response.statusCode,
            server: header('server'),
            poweredBy: header('x-powered-by'),
            missingHeaders: PEN_TEST_SECURITY_HEADERS.filter((key) => response.headers[key] === undefined),
            directoryListing:
              /<title>\s*(index of|directory listing for)\b/i.test(body) || /<h1>\s*index of \//i.test(body),
          });
        };
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size >= MAX_BODY_BYTES) {
            response.destroy();
            finish();
          }
        });
        response.once('end', finish);
        response.once('error', () => finish());
      },
    );
    request.once('timeout', () => request.destroy(new Error(`no HTTP answer within ${timeoutMs} ms`)));
    request.once('error', (error) => {
      // A non-HTTP answer (an SSH banner, ...) is a parse error; drop the socket so no connection lingers.
      request.destroy();
      request.socket?.destroy();
      resolve({ missingHeaders: [], directoryListing: false, error: error.message });
    });
    request.end();
  });
}

async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index]!);
    }
  });
  await Promise.all(runners);
  return results;
}

/** Options for `createPenTest`. */
export interface CreatePenTestOptions {
  /** Resolves target names. Default: the system resolver (`dns.promises.lookup`, all addresses). */
  lookup?: PenTestLookup;
}

/**
 * `pen_test`: a small penetration test of THIS machine only. The target must be a loopback address or a
 * name whose every address is loopback (checked with `checkLoopbackTarget` before anything is sent; the
 * scan then connects to the checked address, never re-resolving the name). It tries a TCP connect on each
 * port (the default list, `ports` or `port_range`, at most 1024), then sends `GET /` to each open port
 * and reports the `Server` / `X-Powered-By` banners, missing security headers and directory listings.
 * Writes `knowledge/security/pen_tests/<host>_pen_test_<YYYYMMDD>_<agent>.md`.
 */
export function createPenTest({ lookup = defaultLookup }: CreatePenTestOptions = {}) {
  return defineSkill({
    name: 'pen_test',
    description:
      'Penetration test of a loopback target only (127.0.0.0/8, ::1, localhost): TCP connect scan of a port list or range, HTTP probes of open ports (banners, missing security headers, directory listings); writes knowledge/security/pen_tests/<host>_pen_test_<date>_<agent>.md.',
    payload: payloadSchema,
    roles: ['security'],
    timeoutMs: 10 * 60_000,
    async run(payload, ctx): Promise<PenTestResult> {
      const date = new Date();
      const addresses = await checkLoopbackTarget(payload.host, { lookup });
      const address = addresses.find((candidate) => isIP(candidate) === 4) ?? addresses[0]!;
      const list =
        payload.port_range !== undefined
          ? Array.from(
              { length: payload.port_range.to - payload.port_range.from + 1 },
              (_, index) => payload.port_range!.from + index,
            )
          : [...new Set(payload.ports ?? PEN_TEST_DEFAULT_PORTS)].sort((a, b) => a - b);
      ctx.log.info('pen_test: scanning', { host: payload.host, address, ports: list.length });
      const states = await mapLimit(list, payload.concurrency, async (port) => {
        ctx.signal.throwIfAborted();
        return tryPort(address, port, payload.timeout_ms, ctx.signal);
      });
      ctx.signal.throwIfAborted();
      const hostHeader = isIP(payload.host.replace(/^\[|\]$/g, '')) === 6 ? `[${address}]` : payload.host;
      const ports: PortResult[] = await mapLimit(
        list.map((port, index) => ({ port, state: states[index]! })),
        payload.concurrency,
        async ({ port, state }) =>
          state === 'open' && payload.http_probe
            ? {
                port,
                state,
                http: await probeHttp(address, `${hostHeader}:${port}`, port, payload.timeout_ms, ctx.signal),
              }
            : { port, state },
      );
      ctx.signal.throwIfAborted();
      const open = ports.filter((port) => port.state === 'open').map((port) => port.port);
      const findings: string[] = [];
      for (const { port, http } of ports) {
        if (http?.status === undefined) continue;
        if (http.directoryListing) findings.push(`port ${port}: directory listing at /`);
        if (http.server && /\d/.test(http.server))
          findings.push(`port ${port}: Server header reveals a version ("${http.server}")`);
        if (http.poweredBy) findings.push(`port ${port}: X-Powered-By header ("${http.poweredBy}")`);
        if (http.missingHeaders.length > 0)
          findings.push(`port ${port}: missing ${http.missingHeaders.join(', ')}`);
      }

      const file = knowledgeFile(ctx, {
        folder: PEN_TEST_FOLDER,
        stem: slugify(payload.host),
        kind: 'pen_test',
        date,
      });
      const markdown = [
        `# Pen test: ${payload.host}`,
        '',
        `- Address: ${address}`,
        `- Date: ${isoDate(date)}`,
        `- Agent: ${ctx.task.agent}`,
        `- Ports tried: ${list.length} (${open.length} open)`,
        '',
        '## Open ports',
        '',
        ...(open.length === 0
          ? ['None.', '']
          : [
              '| port | HTTP status | server | missing headers | directory listing |',
              '| --- | --- | --- | --- | --- |',
              ...ports
                .filter((port) => port.state === 'open')
                .map(({ port, http }) =>
                  http === undefined
                    ? `| ${port} | not probed | | | |`
                    : `| ${port} | ${http.status ?? `no HTTP (${http.error ?? 'no answer'})`} | ${http.server ?? ''} | ${http.missingHeaders.join(', ')} | ${http.directoryListing ? 'yes' : 'no'} |`,
                ),
              '',
            ]),
        '## Findings',
        '',
        ...(findings.length === 0 ? ['None.'] : findings.map((finding) => `- ${finding}`)),
        '',
      ].join('\n');
      await ctx.fs.writeFile(file, markdown);
      ctx.log.info('pen_test: report written', { file, open: open.length, findings: findings.length });
      return { host: payload.host, address, ports, open, findings, file };
    },
  });
}

/** `pen_test` with the system resolver (see `createPenTest`). */
export const penTest = createPenTest();
