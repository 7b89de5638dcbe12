#!/usr/bin/env node
// Validate Knative manifests with @kubernetes-models/knative (pinned in package.json).
//
// Two checks, both driven by that package, none by our own reading of Knative:
//   1. types: the package's validator (ajv, compiled from Knative's CRD OpenAPI
//      schemas) checks every field's type, e.g. `containerConcurrency: "8"`.
//   2. unknown fields: that validator accepts unknown fields, so we walk each manifest
//      next to the package's TypeScript type (`IService`, ...), read through the
//      TypeScript compiler API, and report keys that the type does not declare.
//      The walk stops at maps (labels, annotations), at fields Knative leaves open, and
//      at the pod spec (POD_SPEC_AT): the package's types there are Knative 1.10's pod
//      subset, which lacks later fields such as startupProbe; the Python side checks
//      the pod spec against the strict Kubernetes PodSpec schema instead.
//
// Usage:
//   node scripts/validate-knative.mjs < manifests.json
//       stdin: one JSON array of manifests; stdout: one JSON array with, for each
//       manifest, an array of error strings ("spec.traffic[0].percent: must be integer").
//   node scripts/validate-knative.mjs --serve
//       the same, once per line: each stdin line is a JSON array, each answer one line.
//       Lets a test session pay Node's and TypeScript's start-up once.

import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const HERE = dirname(fileURLToPath(import.meta.url));
const PACKAGE = "@kubernetes-models/knative";

// Where each Knative kind keeps its pod spec (RevisionSpec inlines PodSpec).
// tests/support/schema.py (_pod_spec_location) checks the same places as PodSpec.
const POD_SPEC_AT = {
  Service: "spec.template.spec",
  Configuration: "spec.template.spec",
  Revision: "spec",
};

// ---- 1. types, with the package's own validator --------------------------------------

const models = new Map();

async function modelFor(apiVersion, kind) {
  const key = `${apiVersion}/${kind}`;
  if (!models.has(key)) {
    let model = null;
    const match = /^([a-z0-9.-]+\.knative\.dev)\/([a-z0-9]+)$/.exec(apiVersion ?? "");
    if (match && /^[A-Za-z]+$/.test(kind ?? "")) {
      try {
        const mod = await import(`${PACKAGE}/${match[1]}/${match[2]}/${kind}`);
        model = mod[kind] ?? null;
      } catch {
        model = null;
      }
    }
    models.set(key, model);
  }
  return models.get(key);
}

function dotted(instancePath) {
  // ajv's "/spec/traffic/0/percent" -> "spec.traffic[0].percent"
  let out = "";
  for (const raw of instancePath.split("/").slice(1)) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out || "<root>";
}

function typeErrors(Model, manifest) {
  try {
    new Model(manifest).validate();
    return [];
  } catch (err) {
    if (!Array.isArray(err?.errors)) throw err;
    return err.errors.map((e) => {
      let message = e.message ?? e.keyword;
      if (e.keyword === "enum" && e.params?.allowedValues) {
        message += `: ${JSON.stringify(e.params.allowedValues)}`;
      }
      return `${dotted(e.instancePath ?? "")}: ${message}`;
    });
  }
}

// ---- 2. unknown fields, against the package's TypeScript types ------------------------

const typeCache = new Map();

function loadType(apiVersion, kind) {
  const key = `${apiVersion}/${kind}`;
  if (typeCache.has(key)) return typeCache.get(key);
  const ts = require("typescript");
  const [group, version] = apiVersion.split("/");
  const fileName = join(HERE, `__knative_types_${kind}.ts`);
  const source =
    `import type { I${kind} } from "${PACKAGE}/${group}/${version}/${kind}";\n` +
    `export type Checked = I${kind};\n`;
  const options = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    lib: ["lib.es2020.d.ts"],
    target: ts.ScriptTarget.ES2020,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, lang, ...rest) =>
    name === fileName ? ts.createSourceFile(name, source, lang) : getSourceFile(name, lang, ...rest);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  const problems = ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  if (problems.length) throw new Error(`cannot load the type of ${key}: ${problems.join("; ")}`);
  const checker = program.getTypeChecker();
  const alias = program.getSourceFile(fileName).statements[1];
  const entry = { ts, checker, type: checker.getTypeAtLocation(alias.name) };
  typeCache.set(key, entry);
  return entry;
}

function unknownFields(apiVersion, kind, manifest) {
  const { ts, checker, type } = loadType(apiVersion, kind);
  const podSpec = apiVersion.startsWith("serving.knative.dev/") ? POD_SPEC_AT[kind] : undefined;
  const skipped = new Set(podSpec ? [podSpec] : []);
  const errors = [];

  const members = (t) => {
    const nonNull = checker.getNonNullableType(t);
    return nonNull.isUnion() ? nonNull.types : [nonNull];
  };
  const isOpen = (t) =>
    members(t).some((m) => (m.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0);

  const walk = (value, t, path) => {
    if (skipped.has(path) || isOpen(t)) return;
    if (Array.isArray(value)) {
      const element = members(t)
        .filter((m) => checker.isArrayType(m) || checker.isTupleType(m))
        .map((m) => checker.getTypeArguments(m)[0])[0];
      if (element) value.forEach((item, i) => walk(item, element, `${path}[${i}]`));
      return;
    }
    if (value === null || typeof value !== "object") return;
    const objects = members(t).filter((m) => (m.flags & ts.TypeFlags.Object) !== 0);
    if (!objects.length) return; // a type mismatch: the ajv check reports it
    const declares = (m) =>
      checker.getPropertiesOfType(m).length > 0 || checker.getIndexInfosOfType(m).length > 0;
    if (!objects.some(declares)) return; // `{}`: x-kubernetes-preserve-unknown-fields
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      let childType = null;
      for (const m of objects) {
        const prop = checker.getPropertyOfType(m, key);
        if (prop) {
          childType = checker.getTypeOfSymbol(prop);
          break;
        }
        const index = checker.getIndexTypeOfType(m, ts.IndexKind.String);
        if (index) {
          childType = index;
          break;
        }
      }
      if (childType === null) {
        const known = [...new Set(objects.flatMap((m) => checker.getPropertiesOfType(m).map((p) => p.name)))];
        errors.push(`${childPath}: unknown field "${key}" (known: ${known.sort().join(", ")})`);
      } else {
        walk(child, childType, childPath);
      }
    }
  };
  walk(manifest, type, "");
  return errors;
}

// ---- driver ---------------------------------------------------------------------------

async function validateOne(manifest) {
  if (!manifest || typeof manifest !== "object" || Array.isArray(manifest)) {
    return ["<root>: a manifest must be a JSON object"];
  }
  const { apiVersion, kind } = manifest;
  const Model = await modelFor(apiVersion, kind);
  if (!Model) {
    return [`<root>: ${PACKAGE} has no model for apiVersion ${JSON.stringify(apiVersion)} kind ${JSON.stringify(kind)}`];
  }
  return [...typeErrors(Model, manifest), ...unknownFields(apiVersion, kind, manifest)];
}

async function validateBatch(text) {
  const batch = JSON.parse(text);
  if (!Array.isArray(batch)) throw new Error("expected a JSON array of manifests");
  const results = [];
  for (const item of batch) results.push(await validateOne(item));
  return results;
}

async function main() {
  if (process.argv.includes("--serve")) {
    const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line.trim()) continue;
      let answer;
      try {
        answer = { results: await validateBatch(line) };
      } catch (err) {
        answer = { error: String(err?.stack ?? err) };
      }
      process.stdout.write(`${JSON.stringify(answer)}\n`);
    }
    return;
  }
  let text = "";
  for await (const chunk of process.stdin) text += chunk;
  process.stdout.write(`${JSON.stringify(await validateBatch(text))}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(2);
});
