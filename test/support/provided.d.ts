declare module 'vitest' {
  export interface ProvidedContext {
    ownerDatabaseUrl: string;
    workerDatabaseUrl: string;
    dbWsProxy: string;
    embeddedDatabase: boolean;
    emulatorUrl: string;
    emulatorBaseUrls: Record<string, string>;
    jwksUrl: string;
    jwksPrivateJwk: Record<string, unknown>;
  }
}

export {};
