// Types for find-files.mjs, so TypeScript scripts and tests can import it.
export declare const root: string;
export declare function findFiles(dir: string, suffix: string): string[];
