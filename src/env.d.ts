declare const __RAGTAB_VERSION__: string;
declare const __RAGTAB_COMMIT__: string;
declare const __RAGTAB_DEPS__: Record<string, string>;
