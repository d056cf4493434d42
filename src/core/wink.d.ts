/**
 * Types for the two wink packages ragtab uses (they ship none). Only what src/core/bm25.ts calls.
 */
declare module 'wink-bm25-text-search' {
  interface WinkBm25Config {
    fldWeights: Record<string, number>;
    bm25Params?: { k1?: number; b?: number; k?: number };
    ovFldNames?: string[];
  }
  interface WinkBm25 {
    defineConfig(cfg: WinkBm25Config): boolean;
    definePrepTasks(tasks: Array<(input: string) => string[]>, field?: string): number;
    addDoc(doc: Record<string, string>, id: string | number): number;
    /** fp: decimal places kept of each (tf part × idf) product, 4 to 9. */
    consolidate(fp?: number): boolean;
    /** [id, score] pairs, best first; at most `limit` (default 10). */
    search(text: string, limit?: number): Array<[string, number]>;
    getTotalDocs(): number;
    /** Per document id: `freq` (token index → term score, once consolidated), `length`, `fieldValues`. */
    getDocs(): Record<string, { freq: Record<string, number>; length: number }>;
    /** Token text → token index. */
    getTokens(): Record<string, number>;
    getTotalCorpusLength(): number;
    exportJSON(): string;
    importJSON(json: string): boolean;
    reset(): boolean;
  }
  const bm25: () => WinkBm25;
  export default bm25;
}

declare module 'wink-porter2-stemmer' {
  const stem: (word: string) => string;
  export default stem;
}
