/**
 * A small, pure HTML-to-text extractor for indexing (not a full HTML parser): drops comments and
 * the content of script/style/noscript/template/svg/title, turns block elements into line breaks
 * (paragraph-like blocks into blank lines, so chunking sees paragraphs), decodes named and
 * numeric character references, and collapses whitespace within lines. Linear in the input.
 */

export interface HtmlText {
  /** `<title>`, else the first `<h1>`, else '' (the caller picks a fallback). */
  title: string;
  text: string;
}

/** Elements whose content is never text for a reader. */
const DROPPED = new Set(['script', 'style', 'noscript', 'template', 'svg', 'title', 'math', 'object']);
/** Blocks that separate paragraphs: a blank line. */
const PARAGRAPH = new Set([
  'p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'table', 'ul', 'ol', 'dl', 'section',
  'article', 'header', 'footer', 'nav', 'aside', 'main', 'figure', 'form', 'fieldset', 'details',
  'hr', 'address', 'body', 'html',
]);
/** Blocks that start a new line. */
const LINE = new Set([
  'br', 'div', 'li', 'tr', 'dt', 'dd', 'figcaption', 'summary', 'option', 'caption', 'legend',
  'thead', 'tbody', 'tfoot',
]);
/** Table cells: a space between them, so neighbouring cells' words do not run together. */
const CELL = new Set(['td', 'th']);

// Latin-1 supplement, U+00A0 to U+00FF, in code point order (HTML 4 names).
const LATIN1 =
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn ' +
  'sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave ' +
  'Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ' +
  'ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN ' +
  'szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute ' +
  'icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml ' +
  'yacute thorn yuml';
const GREEK_UPPER = 'Alpha Beta Gamma Delta Epsilon Zeta Eta Theta Iota Kappa Lambda Mu Nu Xi Omicron Pi Rho';
const GREEK_UPPER2 = 'Sigma Tau Upsilon Phi Chi Psi Omega';
const GREEK_LOWER =
  'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigmaf ' +
  'sigma tau upsilon phi chi psi omega';
const OTHERS: Record<string, number> = {
  amp: 38, lt: 60, gt: 62, quot: 34, apos: 39, OElig: 338, oelig: 339, Scaron: 352, scaron: 353,
  Yuml: 376, fnof: 402, circ: 710, tilde: 732, ensp: 8194, emsp: 8195, thinsp: 8201, zwnj: 8204,
  zwj: 8205, lrm: 8206, rlm: 8207, ndash: 8211, mdash: 8212, lsquo: 8216, rsquo: 8217, sbquo: 8218,
  ldquo: 8220, rdquo: 8221, bdquo: 8222, dagger: 8224, Dagger: 8225, bull: 8226, hellip: 8230,
  permil: 8240, prime: 8242, Prime: 8243, lsaquo: 8249, rsaquo: 8250, oline: 8254, frasl: 8260,
  euro: 8364, trade: 8482, larr: 8592, uarr: 8593, rarr: 8594, darr: 8595, harr: 8596, lArr: 8656,
  rArr: 8658, hArr: 8660, forall: 8704, part: 8706, exist: 8707, empty: 8709, nabla: 8711,
  isin: 8712, notin: 8713, prod: 8719, sum: 8721, minus: 8722, radic: 8730, infin: 8734, and: 8743,
  or: 8744, cap: 8745, cup: 8746, int: 8747, there4: 8756, sim: 8764, asymp: 8776, ne: 8800,
  equiv: 8801, le: 8804, ge: 8805, sub: 8834, sup: 8835, loz: 9674, spades: 9824, clubs: 9827,
  hearts: 9829, diams: 9830,
};

function buildEntities(): Map<string, string> {
  const m = new Map<string, string>();
  const add = (names: string, first: number) =>
    names.split(' ').forEach((name, i) => m.set(name, String.fromCodePoint(first + i)));
  add(LATIN1, 0xa0);
  add(GREEK_UPPER, 913);
  add(GREEK_UPPER2, 931);
  add(GREEK_LOWER, 945);
  for (const [k, v] of Object.entries(OTHERS)) m.set(k, String.fromCodePoint(v));
  return m;
}

/** Named character references known to decodeEntities (case-sensitive, as in HTML). */
export const NAMED_ENTITIES: ReadonlyMap<string, string> = buildEntities();

// Numeric references 0x80-0x9F mean Windows-1252 characters (HTML spec).
const CP1252: Record<number, number> = {
  0x80: 0x20ac, 0x82: 0x201a, 0x83: 0x0192, 0x84: 0x201e, 0x85: 0x2026, 0x86: 0x2020, 0x87: 0x2021,
  0x88: 0x02c6, 0x89: 0x2030, 0x8a: 0x0160, 0x8b: 0x2039, 0x8c: 0x0152, 0x8e: 0x017d, 0x91: 0x2018,
  0x92: 0x2019, 0x93: 0x201c, 0x94: 0x201d, 0x95: 0x2022, 0x96: 0x2013, 0x97: 0x2014, 0x98: 0x02dc,
  0x99: 0x2122, 0x9a: 0x0161, 0x9b: 0x203a, 0x9c: 0x0153, 0x9e: 0x017e, 0x9f: 0x0178,
};

const ENTITY = /&(?:#(\d{1,8})|#[xX]([0-9a-fA-F]{1,7})|([A-Za-z][A-Za-z0-9]{1,31}));/g;

/** Decodes `&amp;`, `&eacute;`, `&#233;`, `&#xE9;`. Unknown names are left as they are. */
export function decodeEntities(s: string): string {
  if (s.indexOf('&') === -1) return s;
  return s.replace(ENTITY, (whole, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
    if (name !== undefined) return NAMED_ENTITIES.get(name) ?? whole;
    let cp = dec !== undefined ? parseInt(dec, 10) : parseInt(hex!, 16);
    cp = CP1252[cp] ?? cp;
    if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return '\uFFFD';
    return String.fromCodePoint(cp);
  });
}

// Block boundaries, marked while scanning and resolved into line breaks at the end.
const LINE_MARK = '\u0001';
const PARA_MARK = '\u0002';
const BR_MARK = '\u0003';
const MARKS = /[\u0001-\u0003]/g;

/** Whitespace runs (newlines included) become one space, as HTML renders text. */
function collapse(s: string): string {
  return s.replace(/\s+/g, ' ');
}

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Index just past the `>` closing a tag that starts at `from`, honouring quoted attributes. */
function tagEnd(html: string, from: number): number {
  let quote = 0;
  for (let j = from; j < html.length; j++) {
    const c = html.charCodeAt(j);
    if (quote) {
      if (c === quote) quote = 0;
    } else if (c === 34 || c === 39) quote = c;
    else if (c === 62) return j + 1;
  }
  return html.length;
}

function readName(html: string, from: number): string {
  let j = from;
  while (j < html.length) {
    const c = html.charCodeAt(j);
    // Stop at whitespace, '/', '>'.
    if (c === 47 || c === 62 || c === 32 || c === 9 || c === 10 || c === 12 || c === 13) break;
    j++;
  }
  return html.slice(from, j).toLowerCase();
}

/** Extracts readable text and a title from an HTML document. */
export function htmlToText(html: string): HtmlText {
  const out: string[] = [];
  let title = '';
  let h1Title = '';
  let h1From = -1;
  let seenH1 = false;
  const n = html.length;
  let i = 0;

  const text = (s: string) => {
    if (s) out.push(decodeEntities(collapse(s)).replace(MARKS, ''));
  };
  const block = (name: string) => {
    if (PARAGRAPH.has(name)) out.push(PARA_MARK);
    else if (name === 'br') out.push(BR_MARK);
    else if (LINE.has(name)) out.push(LINE_MARK);
    else if (CELL.has(name)) out.push(' ');
  };

  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt === -1) {
      text(html.slice(i));
      break;
    }
    if (lt > i) text(html.slice(i, lt));
    if (html.startsWith('<!--', lt)) {
      const e = html.indexOf('-->', lt + 4);
      i = e === -1 ? n : e + 3;
      continue;
    }
    const c = html.charCodeAt(lt + 1);
    if (c === 33 || c === 63) {
      // <!DOCTYPE ...>, <![CDATA[...]]>, <?xml ...?>: skipped.
      const e = html.indexOf('>', lt + 2);
      i = e === -1 ? n : e + 1;
      continue;
    }
    if (c === 47 && isNameStart(html.charCodeAt(lt + 2))) {
      const name = readName(html, lt + 2);
      i = tagEnd(html, lt + 2);
      if (name === 'h1' && h1From >= 0) {
        h1Title = collapse(out.slice(h1From).join('').replace(MARKS, ' ')).trim();
        h1From = -1;
      }
      block(name);
      continue;
    }
    if (!isNameStart(c)) {
      text('<');
      i = lt + 1;
      continue;
    }
    const name = readName(html, lt + 1);
    const end = tagEnd(html, lt + 1);
    const selfClosing = html.charCodeAt(end - 2) === 47;
    i = end;
    if (DROPPED.has(name)) {
      if (selfClosing) continue;
      const close = new RegExp(`</${name}[\\s/>]`, 'gi');
      close.lastIndex = i;
      const m = close.exec(html);
      const contentEnd = m ? m.index : n;
      if (name === 'title' && !title) title = decodeEntities(collapse(html.slice(i, contentEnd))).trim();
      i = m ? tagEnd(html, m.index + 2) : n;
      continue;
    }
    block(name);
    if (name === 'h1' && !seenH1) {
      seenH1 = true;
      h1From = out.length;
    }
  }

  // A run of block marks (and the spaces around them) is one break: a blank line when it holds a
  // paragraph-like block or two <br>s, else a line break.
  const body = out
    .join('')
    .replace(/[\s\u0001-\u0003]*[\u0001-\u0003][\s\u0001-\u0003]*/g, (run) => {
      const brs = run.split(BR_MARK).length - 1;
      return run.includes(PARA_MARK) || brs >= 2 ? '\n\n' : '\n';
    })
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .join('\n')
    .trim();
  return { title: title || h1Title, text: body };
}
