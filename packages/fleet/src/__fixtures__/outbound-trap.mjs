// Preload for air-gap.test.ts (NODE_OPTIONS="--import <this file>"): every process of the fleet loads it, so
// every outbound network attempt is recorded in $BIGED_OUTBOUND_TRAP_FILE (one JSON line each) and refused.
// Loopback (127.0.0.0/8, ::1, localhost) and unix sockets are allowed. Each process also writes one
// {"kind":"loaded"} line, so the test can tell the trap was active in the supervisor and in every worker.
import { appendFileSync } from 'node:fs';
import dns from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';

const file = process.env.BIGED_OUTBOUND_TRAP_FILE;
const record = (kind, target) => {
  if (file) appendFileSync(file, `${JSON.stringify({ pid: process.pid, kind, target: String(target) })}\n`);
};
record('loaded', process.argv[1] ?? '');

const isLoopbackHost = (host) => {
  if (host === undefined || host === null || host === '') return true; // Node's default host is localhost
  const name = String(host).toLowerCase().replace(/^\[|\]$/g, '');
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    name === '::1' ||
    name === '0:0:0:0:0:0:0:1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name) ||
    /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)
  );
};

const refusal = (target) =>
  Object.assign(new Error(`outbound connection to ${target} trapped (air-gap test)`), { code: 'EHOSTUNREACH' });

/** The target of net.connect / Socket#connect arguments, or undefined for a unix socket. */
const targetOf = (args) => {
  let [first, second] = args;
  if (Array.isArray(first)) [first] = first; // the internal normalized form: [options, callback]
  if (first !== null && typeof first === 'object') {
    if (first.path !== undefined) return undefined;
    return { host: first.host ?? first.hostname ?? first.servername, port: first.port };
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return undefined; // a pipe path
  return { host: typeof second === 'string' ? second : undefined, port: first };
};

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(...args) {
  const target = targetOf(args);
  if (target && !isLoopbackHost(target.host)) {
    const where = `${target.host}:${target.port}`;
    record('socket', where);
    process.nextTick(() => this.destroy(refusal(where)));
    return this;
  }
  return originalConnect.apply(this, args);
};

for (const [module, name] of [
  [net, 'connect'],
  [net, 'createConnection'],
  [tls, 'connect'],
]) {
  const original = module[name];
  module[name] = function trapped(...args) {
    const target = targetOf(args);
    if (target && !isLoopbackHost(target.host)) {
      const where = `${target.host}:${target.port}`;
      record(name === 'connect' && module === tls ? 'tls' : 'net', where);
      const socket = new net.Socket();
      process.nextTick(() => socket.destroy(refusal(where)));
      return socket;
    }
    return original.apply(this, args);
  };
}

const originalLookup = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  if (!isLoopbackHost(hostname)) {
    record('dns', hostname);
    const done = typeof options === 'function' ? options : callback;
    process.nextTick(() => done(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' })));
    return {};
  }
  return originalLookup.call(this, hostname, options, callback);
};
const originalPromiseLookup = dns.promises.lookup;
dns.promises.lookup = async function lookup(hostname, options) {
  if (!isLoopbackHost(hostname)) {
    record('dns', hostname);
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  }
  return originalPromiseLookup.call(this, hostname, options);
};

if (typeof globalThis.fetch === 'function') {
  const originalFetch = globalThis.fetch;
  globalThis.fetch = async function fetch(input, init) {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    if (!isLoopbackHost(url.hostname)) {
      record('fetch', url.origin);
      throw new TypeError('fetch failed', { cause: refusal(url.origin) });
    }
    return originalFetch.call(this, input, init);
  };
}
