/**
 * Route schemas are compiled on first use, not at start-up. Compiling the ~190 validators and
 * ~1,000 (route, status) serialisers was the largest part of start-up (bench/PROFILE.md), and a
 * fresh server answers its health probe without any of them. Schemas are built in code, not
 * from configuration, so a test compiles every route's schemas (`compileAll`) and a broken one
 * fails there; at run time it would fail its first request with a 500.
 */
export interface SchemaCompilations {
  /** Returns a getter that compiles on its first call and then returns the same result. */
  defer<T>(label: string, compile: () => T): () => T;
  /** Compiles everything not compiled yet; throws one error naming every schema that failed. */
  compileAll(): void;
  /** How many compilations are still deferred. */
  readonly pending: number;
}

export function createSchemaCompilations(): SchemaCompilations {
  const pending = new Map<() => unknown, string>();
  return {
    defer<T>(label: string, compile: () => T) {
      let compiled: { value: T } | undefined;
      const get = (): T => {
        if (compiled === undefined) {
          compiled = { value: compile() };
          pending.delete(get);
        }
        return compiled.value;
      };
      pending.set(get, label);
      return get;
    },
    compileAll() {
      const failures: string[] = [];
      for (const [get, label] of [...pending]) {
        try {
          get();
        } catch (error) {
          failures.push(`${label}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      if (failures.length > 0) throw new Error(`Route schemas failed to compile:\n${failures.join('\n')}`);
    },
    get pending() {
      return pending.size;
    },
  };
}

const byApp = new WeakMap<object, SchemaCompilations>();

export function attachSchemaCompilations(app: object, compilations: SchemaCompilations): void {
  byApp.set(app, compilations);
}

/** The deferred compilations of an app built by buildApp (tests compile them all). */
export function schemaCompilationsOf(app: object): SchemaCompilations | undefined {
  return byApp.get(app);
}
