// Body-model routing for the kn-constructs model router (KN-FLEET-2), in njs.
//
// Shipped with kn_constructs and written next to nginx.conf in the router's ConfigMap; the
// same file serves every fleet. The fleet's models come from openai-models.json, generated at
// synth time, which nginx.conf preloads once as the frozen global kn_models:
//
//   models   model name -> {names, host, location, owned_by[, upstream][, engine]}, in route
//            order: its public names, the Host header, the shared named location of its read
//            timeout, its namespace; upstream only when not <host>:80, engine only when the
//            engine expects another name in the body's "model".
//   routes   public name -> model name.
//
// nginx.conf calls:
//
//   route(r)          POST /v1/chat/completions and the other endpoints whose JSON body names
//                     a model: read the (already buffered) body, find the model, set its
//                     Service, Host and upstream (js_var variables) and hand the request to its
//                     group's named location, which proxies it like the path routes do. Bad
//                     requests are answered here and never reach an upstream.
//   listModels(r)     GET /v1/models: every public name, in route order.
//   retrieveModel(r)  GET /v1/models/<name>: one entry of that list.
//
// Written for njs 0.7.9 (Debian 12) and later: no classes, optional chaining, nullish
// coalescing, spread or Object.hasOwn, and only r.requestText, r.return, r.internalRedirect,
// r.variables, r.headersOut, r.method and r.uri from the request object.

var JSON_TYPE = 'application/json';

function fail(r, status, type, code, param, message) {
    r.headersOut['Content-Type'] = JSON_TYPE;
    r.return(status, JSON.stringify({
        error: {message: message, type: type, param: param, code: code}
    }) + '\n');
}

function has(object, key) {
    return Object.prototype.hasOwnProperty.call(object, key);
}

// nginx freezes preloaded objects and gives every object and array in them a null prototype
// (no .join, .sort or .map), so lists are copied into arrays made here before using those.
// The list and the known names are built when asked for (GET /v1/models, errors), not stored
// in the table beside the models: that would cost every model a second entry. for-in keeps
// the table's order, as model names are DNS labels, never array indexes.
function eachName(visit) {
    for (var key in kn_models.models) {
        var model = kn_models.models[key];
        for (var i = 0; i < model.names.length; i++) {
            visit(model.names[i], model);
        }
    }
}

function knownNames() {
    var names = [];
    eachName(function (name) { names.push(name); });
    names.sort();
    return names.length === 0 ? '(none)' : names.join(', ');
}

function entry(name, model) {
    return {id: name, object: 'model', created: 0, owned_by: model.owned_by};
}

// The model behind a public name (exactly, case-sensitive as OpenAI's names are), or null.
function lookup(name) {
    return has(kn_models.routes, name) ? kn_models.models[kn_models.routes[name]] : null;
}

// The end of the JSON value starting at text[i] (text is known to be valid JSON).
function skipString(text, i) {
    i += 1;
    while (i < text.length) {
        var c = text.charAt(i);
        if (c === '\\') {
            i += 2;
        } else if (c === '"') {
            return i + 1;
        } else {
            i += 1;
        }
    }
    return i;
}

function skipValue(text, i) {
    var c = text.charAt(i);
    if (c === '"') {
        return skipString(text, i);
    }
    if (c === '{' || c === '[') {
        var depth = 0;
        while (i < text.length) {
            c = text.charAt(i);
            if (c === '"') {
                i = skipString(text, i);
                continue;
            }
            if (c === '{' || c === '[') {
                depth += 1;
            } else if (c === '}' || c === ']') {
                depth -= 1;
                if (depth === 0) {
                    return i + 1;
                }
            }
            i += 1;
        }
        return i;
    }
    while (i < text.length && ',}] \t\r\n'.indexOf(text.charAt(i)) < 0) {
        i += 1;
    }
    return i;
}

function skipSpace(text, i) {
    while (i < text.length && ' \t\r\n'.indexOf(text.charAt(i)) >= 0) {
        i += 1;
    }
    return i;
}

// [start, end) of the value of the top-level "model" member: the last one, as JSON.parse
// keeps the last of duplicate keys. Only that span is replaced, so every other byte of the
// client's body (numbers too large for a double, key order, spacing) reaches the engine as sent.
function modelSpan(text) {
    var span = null;
    var i = skipSpace(text, 0) + 1;  // past '{'
    while (true) {
        i = skipSpace(text, i);
        if (text.charAt(i) !== '"') {
            return span;  // '}': the end of the object
        }
        var keyEnd = skipString(text, i);
        var key = JSON.parse(text.slice(i, keyEnd));
        i = skipSpace(text, keyEnd) + 1;  // past ':'
        i = skipSpace(text, i);
        var end = skipValue(text, i);
        if (key === 'model') {
            span = [i, end];
        }
        i = skipSpace(text, end);
        if (text.charAt(i) !== ',') {
            return span;
        }
        i += 1;
    }
}

function route(r) {
    if (r.method !== 'POST') {
        r.headersOut['Allow'] = 'POST';
        fail(r, 405, 'invalid_request_error', 'method_not_allowed', null,
             r.method + ' is not allowed on ' + r.uri + '; send POST with a JSON body');
        return;
    }
    var text = r.requestText;
    if (typeof text !== 'string' || text.length === 0) {
        fail(r, 400, 'invalid_request_error', 'invalid_json', null,
             'The request has no body; send a JSON object with a "model" member.');
        return;
    }
    var body;
    try {
        body = JSON.parse(text);
    } catch (e) {
        fail(r, 400, 'invalid_request_error', 'invalid_json', null,
             'The request body is not valid JSON (' + e.message + ').');
        return;
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        fail(r, 400, 'invalid_request_error', 'invalid_json', null,
             'The request body must be a JSON object with a "model" member.');
        return;
    }
    var name = body.model;
    if (typeof name !== 'string' || name.length === 0) {
        fail(r, 400, 'invalid_request_error', 'missing_model', 'model',
             'The request body has no "model" (a non-empty string). Known models: ' +
             knownNames() + '.');
        return;
    }
    var model = lookup(name);
    if (model === null) {
        fail(r, 404, 'invalid_request_error', 'model_not_found', 'model',
             'The model `' + name + '` does not exist in this fleet. Known models: ' +
             knownNames() + '.');
        return;
    }
    r.variables.kn_requested_model = name;
    r.variables.kn_openai_service = kn_models.routes[name];
    r.variables.kn_openai_host = model.host;
    r.variables.kn_openai_upstream = has(model, 'upstream') ? model.upstream : model.host + ':80';
    if (has(model, 'engine')) {
        // Only the group locations of models with an engine name send $kn_body.
        var span = modelSpan(text);
        r.variables.kn_body = text.slice(0, span[0]) + JSON.stringify(model.engine) +
            text.slice(span[1]);
    }
    r.internalRedirect(model.location);
}

function listModels(r) {
    if (r.method !== 'GET' && r.method !== 'HEAD') {
        r.headersOut['Allow'] = 'GET, HEAD';
        fail(r, 405, 'invalid_request_error', 'method_not_allowed', null,
             r.method + ' is not allowed on ' + r.uri);
        return;
    }
    var data = [];
    eachName(function (name, model) { data.push(entry(name, model)); });
    r.headersOut['Content-Type'] = JSON_TYPE;
    r.return(200, JSON.stringify({object: 'list', data: data}) + '\n');
}

function retrieveModel(r) {
    if (r.method !== 'GET' && r.method !== 'HEAD') {
        r.headersOut['Allow'] = 'GET, HEAD';
        fail(r, 405, 'invalid_request_error', 'method_not_allowed', null,
             r.method + ' is not allowed on ' + r.uri);
        return;
    }
    var name = r.uri.slice('/v1/models/'.length);
    var model = lookup(name);
    if (model === null) {
        fail(r, 404, 'invalid_request_error', 'model_not_found', 'model',
             'The model `' + name + '` does not exist in this fleet. Known models: ' +
             knownNames() + '.');
        return;
    }
    r.headersOut['Content-Type'] = JSON_TYPE;
    r.return(200, JSON.stringify(entry(name, model)) + '\n');
}

export default {route: route, listModels: listModels, retrieveModel: retrieveModel};
