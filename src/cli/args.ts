/**
 * Argument handling shared by the command-line tools: `--flag` switches and positional
 * paths. Relative paths are taken from where the user typed the command: `npm run` starts
 * scripts in the package directory but keeps the caller's directory in INIT_CWD.
 */
import path from 'node:path';
import { ConfigError, loadConfig, type Config } from '../config.js';

export interface ParsedArgs {
  positional: string[];
  flags: Set<string>;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseArgs(argv: string[], allowedFlags: string[]): ParsedArgs {
  const positional: string[] = [];
  const flags = new Set<string>();
  for (const arg of argv) {
    if (arg === '-h' || arg === '--help') flags.add('--help');
    else if (arg.startsWith('-')) {
      if (!allowedFlags.includes(arg)) throw new UsageError(`unknown option ${arg}`);
      flags.add(arg);
    } else positional.push(arg);
  }
  return { positional, flags };
}

export function userPath(file: string): string {
  return path.resolve(process.env.INIT_CWD ?? process.cwd(), file);
}

/** The configuration exactly as the server reads it (DATA_DIR, MONGODB_URL, ...). */
export function configOrExit(): Readonly<Config> {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/** Runs a tool: usage errors exit 2, known failures exit 1 with their message, no stack. */
export function runTool(usage: string, main: () => Promise<void>, known: (error: unknown) => boolean): void {
  main().catch((error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n${usage}\n`);
      process.exit(2);
    }
    process.stderr.write(`${known(error) ? '' : 'unexpected error: '}${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
