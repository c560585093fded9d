import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { validateXML, type XMLFileInfo } from 'xmllint-wasm';

/**
 * XML Schema validation of every SAML message before samlify reads it (samlify refuses to run without a
 * validator: schema-invalid XML is where signature-wrapping tricks start). The SAML 2.0 schemas come from
 * samlify's own validator module, @authenio/samlify-xmllint-wasm; xmllint (compiled to WebAssembly, so no
 * Java or native build) is called here directly rather than through that module, because the module
 * prints whole validation results to the console, and those quote the message's contents.
 */
const require = createRequire(import.meta.url);
const SCHEMA_DIR = join(dirname(require.resolve('@authenio/samlify-xmllint-wasm/package.json')), 'build', 'schemas');
const MAIN = 'saml-schema-protocol-2.0.xsd';
const PRELOAD = ['datatypes.dtd', 'saml-schema-assertion-2.0.xsd', 'xmldsig-core-schema.xsd', 'XMLSchema.dtd', 'xenc-schema.xsd'];

let schemas: { main: XMLFileInfo; preload: XMLFileInfo[] } | undefined;
function loadSchemas() {
  schemas ??= {
    main: { fileName: MAIN, contents: readFileSync(join(SCHEMA_DIR, MAIN), 'utf8') },
    preload: PRELOAD.map((fileName) => ({ fileName, contents: readFileSync(join(SCHEMA_DIR, fileName), 'utf8') })),
  };
  return schemas;
}

/** Thrown for a message that is not a schema-valid SAML 2.0 protocol message; the message is xmllint's first complaint. */
export class SchemaError extends Error {}

export async function validateSamlXml(xml: string): Promise<true> {
  const { main, preload } = loadSchemas();
  const result = await validateXML({ xml: [{ fileName: 'message.xml', contents: xml }], extension: 'schema', schema: [main], preload });
  if (result.valid) return true;
  throw new SchemaError(result.errors[0]?.message.trim() ?? 'not a SAML 2.0 message');
}
