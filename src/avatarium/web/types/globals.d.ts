// Globals of the scripts that are not modules, for `tsc --checkJs`: never served.

// The vendored API docs bundles (classic scripts).
declare const SwaggerUIBundle: ((options: Record<string, unknown>) => unknown) & { presets: { apis: unknown } };
declare const Redoc: { init(specUrl: string, options: Record<string, unknown>, element: HTMLElement | null): void };
