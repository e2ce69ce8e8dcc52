// Checks real answers against docs/openapi.yaml with ajv (JSON Schema 2020-12):
// the route must be described, the status declared for it, the content type
// one it declares, and a JSON body must match the declared schema.
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import YAML from 'yaml';

const DOC_ID = 'https://mandate.invalid/openapi.json';

function pointerEscape(s) {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function loadOpenApi(file) {
  const doc = YAML.parse(readFileSync(file, 'utf8'));
  if (!String(doc.openapi).startsWith('3.1')) throw new Error(`${file}: not OpenAPI 3.1`);
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
      // Refusals the listener itself makes, before any route runs (see info.description).
      if (status === 431 || status === 500) return checkGenericError(where, contentType, bodyText);
      throw new Error(`OpenAPI: ${where}: status ${status} is not declared for ${method} ${route.template}`);
    }
    const { response, pointer } = resolveResponse(declared);
    const media = (contentType ?? '').split(';')[0].trim().toLowerCase();
    const content = response.content ?? {};
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
