/**
 * `npm run restore -- <file> [--force]`: restores a backup archive into DATA_DIR. Stop the
 * server first. It refuses a non-empty DATA_DIR unless --force (which moves the previous
 * contents aside), a database still open in a running process, and any archive whose
 * entries do not match its manifest; nothing is changed when it refuses.
 */
import { restoreBackup, RestoreRefusedError } from '../adapters/backup/restore-backup.js';
import { configOrExit, parseArgs, runTool, UsageError, userPath } from './args.js';

const USAGE = 'usage: npm run restore -- <file> [--force]   (stop the server first; --force replaces a non-empty DATA_DIR, keeping the old files aside)';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), ['--force']);
  if (args.flags.has('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (args.positional.length !== 1) throw new UsageError('give exactly one archive file');
  const config = configOrExit();
  const archive = userPath(args.positional[0]!);
  const database = config.mongodbUrl ? 'mongodb' : 'sqlite';
  const { manifest, movedAside } = await restoreBackup({
    archive,
    dataDir: config.dataDir,
    database,
    force: args.flags.has('--force'),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`restored ${archive} (taken ${manifest.created_at} by Inkframe ${manifest.app_version}) into ${config.dataDir}: ${manifest.counts.images} images\n`);
  if (movedAside) process.stdout.write(`the previous contents of DATA_DIR are in ${movedAside}; delete it once the restored server works\n`);
  if (database === 'mongodb') process.stdout.write('the database is not in this archive: restore it with mongorestore (see the output of `npm run backup`)\n');
  if (!manifest.entries.some((entry) => entry.name === 'jwt-secret')) process.stdout.write('no JWT secret file in this backup: set the same JWT_SECRET as before, or every user must log in again\n');
}

runTool(USAGE, main, (error) => error instanceof RestoreRefusedError);
