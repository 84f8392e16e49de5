import { ConflictError, ServiceUnavailableError } from '../../errors.js';

const DUPLICATE_KEY = 11000;
const WRITE_CONFLICT = 112;

/** Maps driver errors onto the API's: duplicate key -> 409 conflict, write conflict -> 409, network -> 503. */
export function mapMongoError(error: unknown, collection: string): unknown {
  const err = error as { code?: number; name?: string; message?: string; errorLabels?: string[] } | undefined;
  // FerretDB v1 reports a unique-index violation inside an update as InternalError (code 1).
  const ferretDuplicate = err?.code === 1 && /UNIQUE constraint failed/.test(err.message ?? '');
  if (err?.code === DUPLICATE_KEY || ferretDuplicate) return new ConflictError(`A document with that key already exists in ${collection}`);
  if (err?.code === WRITE_CONFLICT || err?.errorLabels?.includes('TransientTransactionError')) {
    return new ConflictError('The resource was changed at the same time; try again');
  }
  if (err?.name && /MongoNetwork|MongoServerSelection|MongoTopologyClosed|MongoNotConnected/.test(err.name)) {
    return new ServiceUnavailableError('The database is unreachable; try again shortly');
  }
  return error;
}
