// DOM helpers: el()/svg() build elements from props and children (text only via textContent),
// plus small formatting helpers shared by the views.
const SVG_NS = 'http://www.w3.org/2000/svg';

function apply(node, props, isSvg) {
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') node.setAttribute('class', v);
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (!isSvg && typeof v !== 'string' && k in node) node[k] = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(node, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  apply(node, props, false);
  return append(node, children);
}

export function svg(tag, props, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  apply(node, props, true);
  return append(node, children);
}

export const plural = (n, word, many = word + 's') => `${n.toLocaleString('en')} ${n === 1 ? word : many}`;

// "2024-01-28" -> "28 Jan 2024"; "2024-01" -> "Jan 2024"; anything else unchanged.
export function fmtDate(d) {
  if (!d) return '';
  const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(d);
  if (!m) return d;
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  if (!m[2]) return m[1];
  const mon = months[Number(m[2]) - 1];
  return m[3] ? `${Number(m[3])} ${mon} ${m[1]}` : `${mon} ${m[1]}`;
}

export function casualties(killed, injured) {
  const parts = [];
  if (killed != null) parts.push(`${killed} killed`);
  if (injured != null) parts.push(`${injured} injured`);
  return parts.join(', ');
}

// A status/error/empty message block.
export function message(kind, title, detail) {
  return el('div', { class: `message message-${kind}`, role: kind === 'error' ? 'alert' : null },
    el('strong', { text: title }), detail ? el('p', { text: detail }) : null);
}
