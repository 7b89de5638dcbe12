// The reference side of the render differential tests: the real cdk8s and its bundled npm `yaml`.
//
// Started once per test session by tests/render/conftest.py from a temporary folder whose
// node_modules holds `cdk8s` and `constructs` extracted from the jsii tarballs of the installed
// Python packages (so this is the very code a Python app runs, with the `yaml` and
// `fast-json-patch` that cdk8s bundles). Requests come one JSON object per line on stdin, answers
// go one JSON object per line on stdout:
//
//   {"yaml": [doc, ...]}            -> {"text": Yaml.stringify(...docs)}
//   {"chart": {"namespace": ..., "labels": ..., "objects": [{apiVersion, kind, metadata,
//              props, patches: [[op, path, value], ...]}, ...]}}
//                                   -> {"text": the file App.synth writes for that chart}
//   {"versions": true}              -> {"cdk8s": ..., "yaml": ..., "fastJsonPatch": ...}
//
// Values arrive as Python's json.dumps writes them; `fromPython` then does what the jsii kernel
// does to a Python dict (`{"$jsii.map": ...}`): null values vanish from objects, at any depth.
'use strict';

const readline = require('readline');
const fs = require('fs');
const os = require('os');
const path = require('path');
const cdk8s = require('cdk8s');

function fromPython(value) {
  if (Array.isArray(value)) return value.map(fromPython);
  if (value !== null && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== null) out[k] = fromPython(v);
    }
    return out;
  }
  return value;
}

function patchOf([op, pointer, value]) {
  switch (op) {
    case 'add': return cdk8s.JsonPatch.add(pointer, value);
    case 'replace': return cdk8s.JsonPatch.replace(pointer, value);
    case 'remove': return cdk8s.JsonPatch.remove(pointer);
    case 'test': return cdk8s.JsonPatch.test(pointer, value);
    case 'copy': return cdk8s.JsonPatch.copy(value, pointer);
    case 'move': return cdk8s.JsonPatch.move(value, pointer);
    default: throw new Error(`unknown op ${op}`);
  }
}

function chartText(spec) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'kn-render-'));
  try {
    const app = new cdk8s.App({ outdir });
    const chart = new cdk8s.Chart(app, 'chart', {
      namespace: spec.namespace ?? undefined,
      labels: spec.labels ? fromPython(spec.labels) : undefined,
    });
    spec.objects.forEach((o, i) => {
      const props = { ...fromPython(o.props ?? {}), apiVersion: o.apiVersion, kind: o.kind };
      if (o.metadata) props.metadata = fromPython(o.metadata);
      const obj = new cdk8s.ApiObject(chart, `o${i}`, props);
      for (const p of o.patches ?? []) obj.addJsonPatch(patchOf(fromPython(p)));
    });
    app.synth();
    return fs.readFileSync(path.join(outdir, 'chart.k8s.yaml'), 'utf8');
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

function answer(request) {
  if (request.versions) {
    const base = path.dirname(require.resolve('cdk8s/package.json'));
    const read = (p) => JSON.parse(fs.readFileSync(p, 'utf8')).version;
    return {
      resolved: base,
      cdk8s: read(path.join(base, 'package.json')),
      yaml: read(path.join(base, 'node_modules', 'yaml', 'package.json')),
      fastJsonPatch: read(path.join(base, 'node_modules', 'fast-json-patch', 'package.json')),
    };
  }
  // jsii passes a None document as undefined, which Yaml.stringify writes as an empty line.
  if (request.yaml) {
    return { text: cdk8s.Yaml.stringify(...request.yaml.map((d) => (d === null ? undefined : fromPython(d)))) };
  }
  if (request.chart) return { text: chartText(request.chart) };
  throw new Error('unknown request');
}

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  let reply;
  try {
    reply = answer(JSON.parse(line));
  } catch (e) {
    reply = { error: String(e && e.stack ? e.stack : e) };
  }
  process.stdout.write(JSON.stringify(reply) + '\n');
});
