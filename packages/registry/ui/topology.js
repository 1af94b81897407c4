// The live topology page: draws the TopologySnapshot of GET /api/topology (packages/registry/src/topology/types.ts)
// as layered SVG, one band per tier (edge on top, core at the bottom), and redraws on every `topology` event of
// /api/events. Plain browser JavaScript, no framework and no build step: the file is served as it is.
/* global document, location, EventSource, URLSearchParams */

const SVG = 'http://www.w3.org/2000/svg';
const NODE_WIDTH = 210;
const NODE_GAP = 36;
const BAND_GAP = 96;
const MARGIN = 24;
const LABEL_WIDTH = 90;

/** An SVG element with attributes and children. */
function svg(tag, attributes = {}, children = []) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  for (const child of children) element.append(child);
  return element;
}

/** An HTML element with attributes, text or children. */
function html(tag, attributes = {}, children = []) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  for (const child of children) element.append(child);
  return element;
}

function text(x, y, className, content) {
  const element = svg('text', { x, y, class: className });
  element.textContent = content;
  return element;
}

export function formatRate(perSecond) {
  if (perSecond >= 100) return `${Math.round(perSecond)}/s`;
  if (perSecond >= 10) return `${perSecond.toFixed(1)}/s`;
  return `${perSecond.toFixed(2)}/s`;
}

export function formatSeconds(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  if (seconds < 1) return `${(seconds * 1000).toFixed(seconds < 0.01 ? 1 : 0)} ms`;
  return `${seconds.toFixed(2)} s`;
}

export function formatRatio(ratio) {
  if (ratio === null || ratio === undefined) return '–';
  return `${(ratio * 100).toFixed(ratio > 0 && ratio < 0.01 ? 2 : 1)}%`;
}

/**
 * The one line saying where the edge rates come from, or why there are none (a Docker mesh without the
 * monitoring layer's Prometheus): `state` is `error` then. Older snapshots have no `metrics`: replicas.
 */
export function metricsNote(snapshot) {
  const source = snapshot.metrics ?? { kind: 'replicas', url: null, error: null };
  if (source.error) return { state: 'error', text: `no rates: ${source.error}` };
  if (source.kind === 'prometheus')
    return { state: 'ok', text: `rates from Prometheus ${source.url}, as fresh as its last scrape` };
  return { state: 'ok', text: "rates from each replica's /metrics" };
}

function nodeHeight(node) {
  return 46 + 15 * Math.max(1, node.replicas.length);
}

/**
 * How deep a node sits among the nodes of its own tier: 0 when it calls no provider of its tier, else one more
 * than the deepest such provider (order-agent calls user-agent, both in business: order-agent gets its own row).
 */
function levelsInTier(nodes, edges) {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const level = new Map();
  const visit = (node, depth) => {
    if (level.has(node.name)) return level.get(node.name);
    if (depth > nodes.length) return 0; // a cycle inside a tier: architecture.yml forbids it; do not loop
    const sameTier = edges
      .filter(
        (e) =>
          e.from === node.name &&
          e.to !== null &&
          byName.get(e.to)?.tierRank === node.tierRank &&
          e.to !== node.name,
      )
      .map((e) => byName.get(e.to));
    const value = sameTier.length === 0 ? 0 : 1 + Math.max(...sameTier.map((p) => visit(p, depth + 1)));
    level.set(node.name, value);
    return value;
  };
  for (const node of nodes) visit(node, 0);
  return level;
}

/**
 * Positions: one band per tier, highest tier on top, and inside a band one row per level (callers above the
 * providers of their own tier), so every edge points down. Inside a row nodes are ordered by where their
 * providers sit (fewer crossings). Edges without a provider get a ghost node below their consumer.
 */
export function layout(snapshot) {
  const nodes = snapshot.nodes.map((node) => ({ ...node, ghost: false }));
  for (const edge of snapshot.edges) {
    if (edge.to !== null) continue;
    const name = `? ${edge.capabilities.join(', ')}`;
    if (!nodes.some((n) => n.name === name))
      nodes.push({
        name,
        tier: 'no provider',
        tierRank: -1,
        ghost: true,
        replicas: [],
        versions: [],
        health: 'unhealthy',
      });
  }
  const level = levelsInTier(nodes, snapshot.edges);
  const ranks = [...new Set(nodes.map((n) => n.tierRank))].sort((a, b) => a - b);
  // Rows from the bottom up: each tier's rows, its providers' level first.
  const rows = [];
  for (const rank of ranks) {
    const inTier = nodes.filter((n) => n.tierRank === rank);
    const levels = [...new Set(inTier.map((n) => level.get(n.name)))].sort((a, b) => a - b);
    for (const l of levels)
      rows.push({ rank, tier: inTier[0].tier, nodes: inTier.filter((n) => level.get(n.name) === l) });
  }
  const x = new Map();
  const widest = Math.max(1, ...rows.map((row) => row.nodes.length));
  const width = Math.max(900, LABEL_WIDTH + MARGIN * 2 + widest * (NODE_WIDTH + NODE_GAP));
  const providersOf = (name) =>
    snapshot.edges.filter((e) => e.from === name && e.to !== null).map((e) => e.to);
  for (const row of rows) {
    const center = (node) => {
      const xs = providersOf(node.name)
        .map((p) => x.get(p))
        .filter((v) => v !== undefined);
      return xs.length === 0 ? Number.POSITIVE_INFINITY : xs.reduce((s, v) => s + v, 0) / xs.length;
    };
    row.nodes.sort((a, b) => center(a) - center(b) || a.name.localeCompare(b.name));
    const used = row.nodes.length * NODE_WIDTH + (row.nodes.length - 1) * NODE_GAP;
    const left = LABEL_WIDTH + MARGIN + (width - LABEL_WIDTH - MARGIN * 2 - used) / 2;
    row.nodes.forEach((node, i) => x.set(node.name, left + i * (NODE_WIDTH + NODE_GAP) + NODE_WIDTH / 2));
  }
  const positions = new Map();
  const bandBoxes = [];
  let y = MARGIN;
  const topDown = [...rows].reverse();
  topDown.forEach((row, i) => {
    const height = Math.max(...row.nodes.map(nodeHeight));
    for (const node of row.nodes)
      positions.set(node.name, { node, cx: x.get(node.name), top: y, height: nodeHeight(node) });
    const band = bandBoxes.at(-1);
    if (band !== undefined && band.rank === row.rank) band.height = y + height + 12 - band.top;
    else bandBoxes.push({ rank: row.rank, tier: row.tier, top: y - 12, height: height + 24 });
    y += height + (topDown[i + 1]?.rank === row.rank ? BAND_GAP * 0.8 : BAND_GAP);
  });
  return { width, height: y - BAND_GAP + MARGIN, positions, bandBoxes };
}

function drawNode(place) {
  const { node, cx, top, height } = place;
  const left = cx - NODE_WIDTH / 2;
  const healthy = node.replicas.filter((r) => r.status === 'healthy').length;
  const expected = node.expectedReplicas ?? node.replicas.length;
  const group = svg('g', {
    class: `node health-${node.health}${node.ghost ? ' ghost' : ''}`,
    'data-agent': node.name,
    'data-health': node.health,
  });
  group.append(svg('rect', { class: 'box', x: left, y: top, width: NODE_WIDTH, height, rx: 8 }));
  group.append(text(left + 10, top + 18, 'name', node.name));
  if (!node.ghost) {
    const versions = node.versions.map((v) => v.version).join(', ') || 'no version';
    group.append(
      text(left + 10, top + 34, 'meta', `${healthy}/${expected} healthy · ${node.health} · v${versions}`),
    );
  } else group.append(text(left + 10, top + 34, 'meta', 'no provider registered'));
  node.replicas.forEach((replica, i) => {
    const rowY = top + 50 + i * 15;
    group.append(svg('circle', { class: `dot status-${replica.status}`, cx: left + 14, cy: rowY - 4, r: 4 }));
    const caps = replica.capabilities.length;
    const id = replica.id.startsWith(`${node.name}-`)
      ? replica.id.slice(node.name.length + 1)
      : replica.id.slice(-12);
    group.append(
      text(
        left + 24,
        rowY,
        'replica',
        `#${id} v${replica.version ?? '?'} · ${caps} cap${caps === 1 ? '' : 's'}`,
      ),
    );
  });
  const title = svg('title');
  title.textContent = node.replicas
    .map((r) => `${r.id} (${r.status}) v${r.version ?? '?'}: ${r.capabilities.map((c) => c.name).join(', ')}`)
    .join('\n');
  group.append(title);
  return group;
}

function edgeLabel(edge) {
  const m = edge.metrics;
  if (edge.status === 'unresolved') return 'unresolved';
  if (m === null) return '';
  if (m.callsPerSecond === 0) return '';
  return `${formatRate(m.callsPerSecond)} · ${formatRatio(m.errorRatio)} · p95 ${formatSeconds(m.p95Seconds)}`;
}

/** The point at `t` of the cubic Bézier p0 c1 c2 p3. */
function cubicAt(t, p0, c1, c2, p3) {
  const u = 1 - t;
  return u * u * u * p0 + 3 * u * u * t * c1 + 3 * u * t * t * c2 + t * t * t * p3;
}

/** An edge's path (consumer's bottom to provider's top, spread by slot) and its label, in two groups. */
function drawEdge(edge, from, to, outSlot, inSlot) {
  const x1 = from.cx + outSlot * 14;
  const y1 = from.top + from.height;
  const x2 = to.cx + inSlot * 14;
  let y2 = to.top;
  let c1 = (y1 + y2) / 2;
  let c2 = c1;
  if (y2 <= y1) {
    // Upwards, which architecture.yml forbids: an arc below both, ending at the provider's bottom.
    y2 = to.top + to.height;
    c1 = c2 = Math.max(y1, y2) + 40;
  }
  const calls = edge.metrics?.callsPerSecond ?? 0;
  const attributes = {
    class: `edge status-${edge.status}`,
    'data-from': edge.from,
    'data-to': edge.to ?? '',
    'data-status': edge.status,
  };
  const path = svg('g', attributes);
  path.append(
    svg('path', {
      d: `M${x1},${y1} C${x1},${c1} ${x2},${c2} ${x2},${y2}`,
      'stroke-width': 1.5 + Math.min(5, Math.log10(1 + calls) * 2.5),
      'marker-end': `url(#arrow-${edge.status})`,
    }),
  );
  const title = svg('title');
  title.textContent = `${edge.from} → ${edge.to ?? '?'}: ${edge.capabilities.join(', ')} (${edge.status})`;
  path.append(title);
  const content = edgeLabel(edge);
  if (content === '') return { path, label: undefined };
  // Near the provider's end, where edges into different providers are apart; stacked per incoming edge.
  return {
    path,
    label: {
      status: edge.status,
      content,
      x: cubicAt(0.72, x1, x1, x2, x2),
      y: cubicAt(0.72, y1, c1, c2, y2) + inSlot * 15,
      width: content.length * 5.4 + 6,
    },
  };
}

/** Moves labels down until none overlaps another (a bounded number of steps each). */
function separateLabels(labels) {
  const placed = [];
  for (const label of [...labels].sort((a, b) => a.y - b.y)) {
    const overlaps = () =>
      placed.some(
        (p) => Math.abs(p.x - label.x) < (p.width + label.width) / 2 && Math.abs(p.y - label.y) < 13,
      );
    for (let step = 0; step < 12 && overlaps(); step += 1) label.y += 13;
    placed.push(label);
  }
}

function drawLabel(label) {
  const group = svg('g', { class: `edge-label status-${label.status}` });
  const left = label.x - label.width / 2;
  group.append(
    svg('rect', { class: 'label-bg', x: left, y: label.y - 9, width: label.width, height: 12, rx: 2 }),
  );
  group.append(text(left + 3, label.y, 'label', label.content));
  return group;
}

function drawGraph(snapshot) {
  const { width, height, positions, bandBoxes } = layout(snapshot);
  const root = document.getElementById('graph');
  root.setAttribute('viewBox', `0 0 ${width} ${height}`);
  root.setAttribute('width', width);
  root.setAttribute('height', height);
  const arrows = ['resolved', 'partial', 'unresolved'].map((status) =>
    svg(
      'marker',
      {
        id: `arrow-${status}`,
        class: `arrow status-${status}`,
        viewBox: '0 0 10 10',
        refX: 9,
        refY: 5,
        markerWidth: 9,
        markerHeight: 9,
        markerUnits: 'userSpaceOnUse',
        orient: 'auto',
      },
      [svg('path', { d: 'M0,0 L10,5 L0,10 z' })],
    ),
  );
  const layers = [svg('defs', {}, arrows)];
  for (const band of bandBoxes) {
    layers.push(
      svg('rect', { class: 'tier-band', x: 8, y: band.top, width: width - 16, height: band.height, rx: 6 }),
    );
    layers.push(text(18, band.top + 20, 'tier-label', band.tier));
  }
  const target = (edge) => edge.to ?? `? ${edge.capabilities.join(', ')}`;
  // Each edge's place among the edges leaving its consumer and among those entering its provider, ordered
  // by the other end's x so that fanning edges do not cross at the node.
  const slot = (edge, key, other) => {
    const siblings = snapshot.edges
      .filter((e) => key(e) === key(edge))
      .sort((a, b) => (positions.get(other(a))?.cx ?? 0) - (positions.get(other(b))?.cx ?? 0));
    return siblings.indexOf(edge) - (siblings.length - 1) / 2;
  };
  const paths = [];
  const labels = [];
  for (const edge of snapshot.edges) {
    const from = positions.get(edge.from);
    const to = positions.get(target(edge));
    if (from === undefined || to === undefined) continue;
    const drawn = drawEdge(
      edge,
      from,
      to,
      slot(edge, (e) => e.from, target),
      slot(edge, target, (e) => e.from),
    );
    paths.push(drawn.path);
    if (drawn.label !== undefined) labels.push(drawn.label);
  }
  separateLabels(labels);
  const nodes = [...positions.values()].map(drawNode);
  root.replaceChildren(...layers, ...paths, ...nodes, ...labels.map(drawLabel));
}

function drawAgents(snapshot) {
  const unscraped =
    snapshot.metrics?.kind === 'prometheus' ? ' (no series in Prometheus)' : ' (metrics unreachable)';
  const sections = snapshot.nodes.map((node) => {
    const healthy = node.replicas.filter((r) => r.status === 'healthy').length;
    const heading = html('h3', {}, [node.name]);
    heading.append(
      html('span', { class: 'badge' }, [
        `${node.tier} · ${node.health} · ${healthy}/${node.expectedReplicas ?? node.replicas.length} healthy`,
      ]),
    );
    const versions = html(
      'ul',
      { class: 'versions' },
      node.versions.map((v) =>
        html('li', {}, [
          `v${v.version}: ${v.healthy}/${v.replicas} healthy, ${formatRatio(v.share)} of replicas, weight ${v.weight === null ? '–' : formatRatio(v.weight)}`,
        ]),
      ),
    );
    const replicas = html(
      'ul',
      { class: 'replicas' },
      node.replicas.map((r) => {
        const item = html('li', { 'data-replica': r.id, 'data-status': r.status }, [
          html('span', { class: `swatch health-${r.status === 'healthy' ? 'healthy' : 'unhealthy'}` }),
          `${r.id} v${r.version ?? '?'} ${r.status}${r.scraped === false ? unscraped : ''} `,
        ]);
        for (const c of r.capabilities)
          item.append(html('span', { class: 'cap' }, [`${c.name}${c.version ? `@${c.version}` : ''}`]));
        if (r.unresolved.length > 0)
          item.append(html('div', { class: 'missing' }, [`unresolved: ${r.unresolved.join(', ')}`]));
        return item;
      }),
    );
    if (node.replicas.length === 0)
      replicas.append(html('li', { class: 'missing' }, ['no replica registered']));
    return html(
      'section',
      { class: `agent health-${node.health}`, 'data-agent': node.name, 'data-health': node.health },
      [heading, versions, replicas],
    );
  });
  document.getElementById('agents').replaceChildren(...sections);
}

function drawEdgeTable(snapshot) {
  const rows = snapshot.edges.map((edge) => {
    const m = edge.metrics;
    const cell = (content, className) => html('td', className ? { class: className } : {}, [content]);
    const row = html(
      'tr',
      { class: `status-${edge.status}`, 'data-from': edge.from, 'data-to': edge.to ?? '' },
      [
        cell(`${edge.from} → ${edge.to ?? '?'}`),
        cell(edge.status),
        cell(m ? formatRate(m.callsPerSecond) : '–', 'num'),
        cell(m ? formatRatio(m.errorRatio) : '–', 'num'),
        cell(m ? formatSeconds(m.p95Seconds) : '–', 'num'),
      ],
    );
    row.title = edge.capabilities.join(', ');
    return row;
  });
  document.querySelector('#edges tbody').replaceChildren(...rows);
}

function render(snapshot) {
  const status = document.getElementById('status');
  const when = new Date(snapshot.generatedAt).toLocaleTimeString();
  if (snapshot.registry.reachable) {
    status.dataset.state = 'ok';
    status.textContent = `registry ${snapshot.registry.url} · ${snapshot.nodes.length} agents · updated ${when}`;
  } else {
    status.dataset.state = 'error';
    status.textContent = `registry ${snapshot.registry.url} does not answer (${snapshot.registry.error ?? 'unknown'}) · declared topology only`;
  }
  const note = metricsNote(snapshot);
  const metrics = document.getElementById('metrics-status');
  metrics.dataset.state = note.state;
  metrics.textContent = note.text;
  drawGraph(snapshot);
  drawAgents(snapshot);
  drawEdgeTable(snapshot);
  document.body.dataset.generatedAt = snapshot.generatedAt;
}

async function main() {
  try {
    const response = await fetch('/api/topology', { cache: 'no-store' });
    render(await response.json());
  } catch (error) {
    const status = document.getElementById('status');
    status.dataset.state = 'error';
    status.textContent = `cannot load the topology: ${error}`;
  }
  // `?static` draws once (screenshots, --dump-dom); otherwise every change the server sees is pushed.
  if (new URLSearchParams(location.search).has('static')) return;
  const events = new EventSource('/api/events');
  events.addEventListener('topology', (event) => render(JSON.parse(event.data)));
  events.addEventListener('error', () => {
    const status = document.getElementById('status');
    status.dataset.state = 'error';
    status.textContent = 'connection to meshctl ui lost; retrying…';
  });
}

if (typeof document !== 'undefined') void main();
