/**
 * The reference page at `/docs`: static HTML, a script and a style sheet, all served by the
 * broker (no CDN), under a Content-Security-Policy that allows no inline script or style.
 */
export const REFERENCE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const REFERENCE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fedbroker API reference</title>
<link rel="stylesheet" href="/docs/docs.css">
<script src="/docs/docs.js" defer></script>
</head>
<body>
<header>
<h1>fedbroker API reference</h1>
<p id="about"></p>
<p><label for="filter">Filter operations</label>
<input id="filter" type="search" placeholder="a path, a method, a word" autocomplete="off">
<a href="/openapi.json">openapi.json</a></p>
</header>
<nav id="contents" aria-label="Operations"></nav>
<main id="operations"><p id="status" role="status">Loading the OpenAPI document…</p></main>
</body>
</html>
`;

export const REFERENCE_CSS = `:root { color-scheme: light dark; --accent: #2458b3; --muted: #6b7280; --line: #d1d5db; }
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem 1.5rem 4rem; }
header { border-bottom: 1px solid var(--line); margin-bottom: 1rem; }
h1 { margin: 0.5rem 0; font-size: 1.6rem; }
h2 { margin-top: 2.5rem; border-bottom: 1px solid var(--line); }
h3 { margin: 0 0 0.25rem; font-size: 1.05rem; font-family: ui-monospace, monospace; }
label { margin-right: 0.5rem; }
input[type=search] { font: inherit; padding: 0.3rem 0.5rem; min-width: 18rem; margin-right: 1rem; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
nav ul { columns: 2 22rem; padding-left: 1.2rem; font-family: ui-monospace, monospace; font-size: 0.9rem; }
article { border: 1px solid var(--line); border-radius: 6px; padding: 0.75rem 1rem; margin: 1rem 0; }
.method { display: inline-block; min-width: 4.5rem; font-weight: 700; text-transform: uppercase; }
.get { color: #15803d; } .post { color: #1d4ed8; } .put { color: #b45309; }
.patch { color: #7c3aed; } .delete { color: #b91c1c; }
.roles, .muted { color: var(--muted); font-size: 0.9rem; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.9rem; }
th, td { border-bottom: 1px solid var(--line); padding: 0.25rem 0.75rem 0.25rem 0; text-align: left; vertical-align: top; }
code, pre { font-family: ui-monospace, monospace; font-size: 0.85rem; }
pre { overflow-x: auto; padding: 0.5rem; border: 1px solid var(--line); border-radius: 4px; }
summary { cursor: pointer; }
`;

export const REFERENCE_JS = `'use strict';
(function () {
  var METHODS = ['get', 'post', 'put', 'patch', 'delete'];

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function resolve(doc, value) {
    var seen = 0;
    while (value && typeof value.$ref === 'string' && seen < 10) {
      var target = doc;
      value.$ref.replace(/^#\\//, '').split('/').forEach(function (part) {
        target = target && target[part.replace(/~1/g, '/').replace(/~0/g, '~')];
      });
      value = target;
      seen += 1;
    }
    return value;
  }

  function typeOf(schema) {
    if (!schema || typeof schema !== 'object') return '';
    if (schema.const !== undefined) return JSON.stringify(schema.const);
    if (schema.enum) return schema.enum.map(function (v) { return JSON.stringify(v); }).join(' | ');
    var union = schema.anyOf || schema.oneOf;
    if (union) return union.map(typeOf).join(' | ');
    if (schema.type === 'array') return 'array of ' + (typeOf(schema.items) || 'any');
    if (Array.isArray(schema.type)) return schema.type.join(' | ');
    return schema.type || 'any';
  }

  function notesOf(schema) {
    var notes = [];
    if (schema.description) notes.push(schema.description);
    if (schema.default !== undefined) notes.push('default ' + JSON.stringify(schema.default));
    if (schema.minimum !== undefined) notes.push('min ' + schema.minimum);
    if (schema.maximum !== undefined && schema.maximum < 9007199254740991) notes.push('max ' + schema.maximum);
    if (schema.maxLength !== undefined) notes.push('at most ' + schema.maxLength + ' characters');
    if (schema.maxItems !== undefined) notes.push('at most ' + schema.maxItems + ' items');
    if (schema.format) notes.push(schema.format);
    return notes.join('; ');
  }

  function membersTable(schema) {
    var table = el('table');
    var head = el('tr');
    ['member', 'type', 'required', 'notes'].forEach(function (title) { head.appendChild(el('th', title)); });
    table.appendChild(head);
    var required = schema.required || [];
    Object.keys(schema.properties).forEach(function (name) {
      var member = schema.properties[name] || {};
      var row = el('tr');
      row.appendChild(el('td', name, 'code'));
      row.appendChild(el('td', typeOf(member), 'code'));
      row.appendChild(el('td', required.indexOf(name) === -1 ? 'no' : 'yes'));
      row.appendChild(el('td', notesOf(member)));
      table.appendChild(row);
    });
    return table;
  }

  function schemaBlock(label, schema) {
    var details = el('details');
    details.appendChild(el('summary', label));
    var branches = schema.oneOf || schema.anyOf || [schema];
    branches.forEach(function (branch) {
      if (branches.length > 1 && branch.description) details.appendChild(el('p', branch.description, 'muted'));
      if (branch.type === 'object' && branch.properties) details.appendChild(membersTable(branch));
    });
    var raw = el('details');
    raw.appendChild(el('summary', 'JSON Schema'));
    raw.appendChild(el('pre', JSON.stringify(schema, null, 2)));
    details.appendChild(raw);
    return details;
  }

  function parameterTable(parameters) {
    var table = el('table');
    var head = el('tr');
    ['parameter', 'in', 'required', 'type', 'description'].forEach(function (title) {
      head.appendChild(el('th', title));
    });
    table.appendChild(head);
    parameters.forEach(function (p) {
      var row = el('tr');
      var schema = p.schema || {};
      var type = schema.enum ? schema.enum.join(' | ') : schema.type || '';
      [p.name, p.in, p.required ? 'yes' : 'no', type, p.description || ''].forEach(function (cell, i) {
        row.appendChild(el('td', cell, i === 0 ? 'code' : undefined));
      });
      table.appendChild(row);
    });
    return table;
  }

  function operation(doc, path, method, op) {
    var article = el('article');
    article.id = op.operationId;
    article.dataset.search = (method + ' ' + path + ' ' + (op.summary || '') + ' ' + (op.description || '')).toLowerCase();
    var title = el('h3');
    title.appendChild(el('span', method, 'method ' + method));
    title.appendChild(document.createTextNode(' ' + path));
    article.appendChild(title);
    article.appendChild(el('p', op.summary));
    if (op.description) article.appendChild(el('p', op.description, 'muted'));
    var roles = op['x-fedbroker-roles'] || [];
    article.appendChild(el('p', roles.length ? 'Credential: ' + roles.join(' or ') : 'No credential', 'roles'));
    if (op.parameters && op.parameters.length) article.appendChild(parameterTable(op.parameters));
    if (op.requestBody) {
      Object.keys(op.requestBody.content || {}).forEach(function (type) {
        var label = 'Request body (' + type + (op.requestBody.required ? '' : ', optional') + ')';
        article.appendChild(schemaBlock(label, op.requestBody.content[type].schema || {}));
      });
    }
    var responses = el('table');
    Object.keys(op.responses || {}).forEach(function (status) {
      var response = resolve(doc, op.responses[status]) || {};
      var row = el('tr');
      row.appendChild(el('td', status, 'code'));
      var cell = el('td', response.description || '');
      Object.keys(response.content || {}).forEach(function (type) {
        var schema = resolve(doc, response.content[type].schema);
        if (schema) cell.appendChild(schemaBlock(type, schema));
        else cell.appendChild(el('div', type, 'muted'));
      });
      row.appendChild(cell);
      responses.appendChild(row);
    });
    article.appendChild(responses);
    return article;
  }

  function render(doc) {
    var main = document.getElementById('operations');
    var contents = document.getElementById('contents');
    main.textContent = '';
    document.getElementById('about').textContent = (doc.info && doc.info.description) || '';
    var byTag = {};
    var order = (doc.tags || []).map(function (t) { return t.name; });
    Object.keys(doc.paths || {}).forEach(function (path) {
      METHODS.forEach(function (method) {
        var op = doc.paths[path][method];
        if (!op) return;
        var tag = (op.tags && op.tags[0]) || 'Other';
        if (order.indexOf(tag) === -1) order.push(tag);
        (byTag[tag] = byTag[tag] || []).push(operation(doc, path, method, op));
      });
    });
    var list = el('ul');
    order.forEach(function (tag) {
      if (!byTag[tag]) return;
      var section = el('section');
      section.appendChild(el('h2', tag));
      byTag[tag].forEach(function (article) {
        section.appendChild(article);
        var item = el('li');
        var link = el('a', article.querySelector('h3').textContent);
        link.href = '#' + article.id;
        item.appendChild(link);
        list.appendChild(item);
      });
      main.appendChild(section);
    });
    contents.appendChild(list);
    document.getElementById('filter').addEventListener('input', function (event) {
      var words = event.target.value.toLowerCase().split(/\\s+/).filter(Boolean);
      main.querySelectorAll('article').forEach(function (article) {
        article.hidden = !words.every(function (w) { return article.dataset.search.indexOf(w) !== -1; });
      });
    });
  }

  fetch('/openapi.json', { headers: { accept: 'application/json' } })
    .then(function (response) {
      if (!response.ok) throw new Error('/openapi.json answered ' + response.status);
      return response.json();
    })
    .then(render)
    .catch(function (error) {
      document.getElementById('status').textContent = 'Could not load the OpenAPI document: ' + error.message;
    });
})();
`;
