/** Path of the generated module (src/report/html/assets.generated.ts). */
export const GENERATED_PATH: string;
/** The generated module's text, from node_modules/uplot and src/report/html/{client.js,report.css}. */
export function generateAssets(): string;
