import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFleetConfig } from '../config/load-config';
import { fleetPaths } from '../home/fleet-home';
import {
  readEmbeddedOllamaState,
  removeEmbeddedOllamaState,
  resolveOllamaHost,
  writeEmbeddedOllamaState,
} from './embedded-ollama-state';

const freshPaths = () => fleetPaths(mkdtempSync(path.join(tmpdir(), 'biged-embedded-')));
const { config } = parseFleetConfig({ models: { ollama_host: 'http://127.0.0.1:11999' } });

describe('embedded backend state', () => {
  it('round-trips a state written by a live process', () => {
    const paths = freshPaths();
    const state = {
      url: 'http://127.0.0.1:40001',
      pid: process.pid,
      models: ['tiny:latest'],
      startedAt: 'now',
    };
    writeEmbeddedOllamaState(paths, state);
    expect(readEmbeddedOllamaState(paths)).toEqual(state);
    removeEmbeddedOllamaState(paths);
    expect(readEmbeddedOllamaState(paths)).toBeUndefined();
  });

  it('ignores a missing, malformed or invalid file and one left by a dead process', () => {
    const paths = freshPaths();
    expect(readEmbeddedOllamaState(paths)).toBeUndefined();
    writeEmbeddedOllamaState(paths, {
      url: 'http://127.0.0.1:1',
      pid: process.pid,
      models: [],
      startedAt: 'x',
    });
    writeFileSync(paths.embeddedOllama, '{"url": "http://127.0.0.1:1", "pid":');
    expect(readEmbeddedOllamaState(paths)).toBeUndefined();
    writeFileSync(
      paths.embeddedOllama,
      JSON.stringify({ url: 'not a url', pid: process.pid, models: [], startedAt: 'x' }),
    );
    expect(readEmbeddedOllamaState(paths)).toBeUndefined();
    // 2^22 + 1 is above Linux's pid_max default and never a live pid.
    writeFileSync(
      paths.embeddedOllama,
      JSON.stringify({ url: 'http://127.0.0.1:1', pid: 4_194_305, models: [], startedAt: 'x' }),
    );
    expect(readEmbeddedOllamaState(paths)).toBeUndefined();
  });

  it('resolves the host: environment, then the live embedded backend, then the config', () => {
    const paths = freshPaths();
    expect(resolveOllamaHost({ config, paths, env: {} })).toBe('http://127.0.0.1:11999');
    writeEmbeddedOllamaState(paths, {
      url: 'http://127.0.0.1:40002',
      pid: process.pid,
      models: [],
      startedAt: 'x',
    });
    expect(resolveOllamaHost({ config, paths, env: {} })).toBe('http://127.0.0.1:40002');
    expect(resolveOllamaHost({ config, paths, env: { BIGED_OLLAMA_HOST: 'http://127.0.0.1:5' } })).toBe(
      'http://127.0.0.1:5',
    );
  });
});
