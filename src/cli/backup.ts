/**
 * `npm run backup -- [file]`: writes a backup of DATA_DIR (a consistent SQLite snapshot, the
 * image files and the generated JWT secret) into one archive while the server keeps running.
 * With MONGODB_URL set the database is not in the archive: it prints the mongodump command.
 */
import path from 'node:path';
import { BackupError, createBackup } from '../adapters/backup/create-backup.js';
import { configOrExit, parseArgs, runTool, UsageError, userPath } from './args.js';

const USAGE = 'usage: npm run backup -- [<file>.tar.gz | <file>.tar]   (default: inkframe-backup-<UTC time>.tar.gz)';

function defaultName(): string {
  return `inkframe-backup-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.tar.gz`;
}

function mongodumpHelp(archive: string, dbName: string): string {
  const dump = `${archive.replace(/\.(tar\.gz|tgz|tar)$/, '')}.mongodb.gz`;
  return [
    'MONGODB_URL is set: the archive holds the image files and the JWT secret file, not the database.',
    'Back up the database with the MongoDB Database Tools, just before this command:',
    `  mongodump --uri="$MONGODB_URL" --db=${dbName} --archive=${dump} --gzip`,
    'and restore it (before `npm run restore`) with:',
    `  mongorestore --uri="$MONGODB_URL" --nsInclude='${dbName}.*' --drop --archive=${dump} --gzip`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), []);
  if (args.flags.has('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (args.positional.length > 1) throw new UsageError('give at most one archive file');
  const config = configOrExit();
  const output = userPath(args.positional[0] ?? defaultName());
  const database = config.mongodbUrl ? 'mongodb' : 'sqlite';
  if (database === 'mongodb') process.stdout.write(mongodumpHelp(path.relative(process.env.INIT_CWD ?? process.cwd(), output) || output, config.mongodbDb));

  process.stderr.write(`backing up ${config.dataDir}\n`);
  const { file, manifest } = await createBackup({ dataDir: config.dataDir, output, database, log: (line) => process.stderr.write(`${line}\n`) });
  const documents = Object.values(manifest.counts.documents).reduce((sum, count) => sum + count, 0);
  const secret = manifest.entries.some((entry) => entry.name === 'jwt-secret');
  process.stdout.write(
    `backup written: ${file}\n` +
      `  ${database === 'sqlite' ? `${documents} documents, ` : ''}${manifest.counts.images} images, ${manifest.counts.bytes} bytes${secret ? ', the JWT secret (keep this file private)' : ''}\n`,
  );
  if (manifest.missing_images.length > 0) {
    process.stderr.write(`warning: ${manifest.missing_images.length} image file(s) the database refers to are missing from DATA_DIR and are not in the backup: ${manifest.missing_images.join(', ')}\n`);
  }
}

runTool(USAGE, main, (error) => error instanceof BackupError);
